//! The executors' metric families (recorded through the `metrics` facade; see
//! `ar_engine::telemetry` for the conventions) and the names of their spans.

use std::time::Duration;

use ar_engine::telemetry::{MetricFamily, MetricKind};

pub const MCP_CALL_DURATION: &str = "agentruntime_mcp_call_duration_seconds";
pub const LLM_TOKENS: &str = "agentruntime_llm_tokens_total";
pub const LLM_CALL_DURATION: &str = "agentruntime_llm_call_duration_seconds";

pub const FAMILIES: &[MetricFamily] = &[
    MetricFamily {
        name: MCP_CALL_DURATION,
        kind: MetricKind::Histogram,
        help: "MCP tool calls (connecting included) by transport and outcome (ok or the failure code).",
    },
    MetricFamily {
        name: LLM_TOKENS,
        kind: MetricKind::Counter,
        help: "LLM tokens of successful llm_call attempts by provider and direction (in: prompt, out: completion).",
    },
    MetricFamily {
        name: LLM_CALL_DURATION,
        kind: MetricKind::Histogram,
        help: "LLM requests (in-attempt retries included) by provider and outcome.",
    },
];

pub(crate) fn mcp_call(transport: &'static str, outcome: &str, took: Duration) {
    metrics::histogram!(MCP_CALL_DURATION, "transport" => transport, "outcome" => outcome.to_owned())
        .record(took.as_secs_f64());
}

/// `provider` is the name of a configured provider (built in or from the operator's
/// settings), so the label's values are few.
pub(crate) fn llm_call(provider: &str, outcome: &str, took: Duration, tokens: Option<(u64, u64)>) {
    metrics::histogram!(LLM_CALL_DURATION, "provider" => provider.to_owned(), "outcome" => outcome.to_owned())
        .record(took.as_secs_f64());
    if let Some((tokens_in, tokens_out)) = tokens {
        metrics::counter!(LLM_TOKENS, "provider" => provider.to_owned(), "direction" => "in")
            .increment(tokens_in);
        metrics::counter!(LLM_TOKENS, "provider" => provider.to_owned(), "direction" => "out")
            .increment(tokens_out);
    }
}

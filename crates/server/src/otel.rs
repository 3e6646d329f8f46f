//! OpenTelemetry traces over OTLP/HTTP (docs/operations.md "Tracing"). Off unless an
//! endpoint is configured (`[tracing] otlp_endpoint`, `AR_OTLP_ENDPOINT`, or the standard
//! `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
//!
//! The spans are the `tracing` spans the code already makes, exported by
//! `tracing-opentelemetry`: one per HTTP request (`request`; a caller's `traceparent` is
//! honoured), one per step attempt (`step`), one per tool or model call inside it
//! (`mcp.call`, `llm.call`). They form one trace per run:
//!
//! - a run's trace id is its id (a UUID's 128 bits, hex without dashes), so a run's trace
//!   is found from its id, on any node, with nothing stored;
//! - the `run` span (id derived from the run id) is written by the node whose commit
//!   ends the run, from the run's creation to its end; step spans name it as parent
//!   whichever node runs them, so the tree is whole across nodes and restarts;
//! - `mcp.call` sends its context to the MCP server (`traceparent` header over HTTP and
//!   `_meta.traceparent`), so the server's spans join the trace.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ar_engine::telemetry::RunTracing;
use ar_store::RunRecord;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId,
    TraceState, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator, SdkTracer, SdkTracerProvider};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tracing_opentelemetry::{OpenTelemetryLayer, OpenTelemetrySpanExt};
use tracing_subscriber::registry::LookupSpan;

/// The standard variables that turn export on without our own setting.
const STANDARD_ENDPOINT_VARS: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];

/// `[tracing]`: where traces go.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TracingSettings {
    /// The collector's OTLP/HTTP base URL, e.g. `http://otel-collector:4318`
    /// (`/v1/traces` is appended) (`AR_OTLP_ENDPOINT`). Unset: the standard
    /// `OTEL_EXPORTER_OTLP_*` variables decide; none set means no export.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of the exported spans (`AR_OTEL_SERVICE_NAME`).
    pub service_name: String,
}

impl Default for TracingSettings {
    fn default() -> Self {
        TracingSettings {
            otlp_endpoint: None,
            service_name: "agentruntime".into(),
        }
    }
}

impl TracingSettings {
    /// Whether traces are exported: our endpoint, or a standard variable, is set.
    pub fn enabled(&self, env: impl Fn(&str) -> Option<String>) -> bool {
        self.otlp_endpoint.is_some()
            || STANDARD_ENDPOINT_VARS
                .iter()
                .any(|v| env(v).is_some_and(|s| !s.trim().is_empty()))
    }

    /// `AR_OTLP_ENDPOINT`, `AR_OTEL_SERVICE_NAME`.
    pub(crate) fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("AR_OTLP_ENDPOINT").filter(|v| !v.trim().is_empty()) {
            self.otlp_endpoint = Some(v);
        }
        if let Some(v) = get("AR_OTEL_SERVICE_NAME").filter(|v| !v.trim().is_empty()) {
            self.service_name = v;
        }
    }
}

/// The trace export of this process: the provider to flush at exit and the tracer the
/// `tracing` layer writes to.
pub struct TraceExport {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

impl TraceExport {
    /// Builds the OTLP exporter and installs the run-trace hook and the W3C propagator,
    /// when export is configured (see [`TracingSettings::enabled`]); `Ok(None)` otherwise.
    pub fn start(settings: &TracingSettings) -> Result<Option<TraceExport>, String> {
        if !settings.enabled(|name| std::env::var(name).ok()) {
            return Ok(None);
        }
        let mut exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_timeout(Duration::from_secs(10));
        if let Some(base) = &settings.otlp_endpoint {
            // As for OTEL_EXPORTER_OTLP_ENDPOINT: a base URL, the signal path appended.
            exporter = exporter.with_endpoint(format!("{}/v1/traces", base.trim_end_matches('/')));
        }
        let exporter = exporter
            .build()
            .map_err(|e| format!("the OTLP trace exporter could not be set up: {e}"))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_id_generator(RunIds::default())
            .with_resource(
                Resource::builder()
                    .with_service_name(settings.service_name.clone())
                    .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
                    .build(),
            )
            .build();
        let tracer = provider.tracer("agentruntime");
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        ar_engine::telemetry::install_run_tracing(Arc::new(RunSpans {
            tracer: tracer.clone(),
        }));
        Ok(Some(TraceExport { provider, tracer }))
    }

    /// The `tracing` layer that turns spans into OpenTelemetry spans.
    pub fn layer<S>(&self) -> OpenTelemetryLayer<S, SdkTracer>
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    {
        tracing_opentelemetry::layer()
            .with_tracer(self.tracer.clone())
            .with_error_records_to_exceptions(true)
    }

    /// Exports what is buffered and stops (call at exit; spans end up lost otherwise).
    pub fn shutdown(self) {
        if let Err(error) = self.provider.shutdown() {
            eprintln!("agentruntime: traces not flushed at exit: {error}");
        }
    }
}

/// The trace id of a run: its UUID's bits (any other id: the first 16 bytes of its hash).
pub fn run_trace_id(run_id: &str) -> TraceId {
    match uuid::Uuid::parse_str(run_id) {
        Ok(uuid) if !uuid.is_nil() => TraceId::from_bytes(*uuid.as_bytes()),
        _ => {
            let digest = Sha256::digest(run_id.as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            TraceId::from_bytes(bytes)
        }
    }
}

/// The span id of a run's `run` span (never zero).
pub fn run_span_id(run_id: &str) -> SpanId {
    let digest = Sha256::digest(format!("agentruntime run span {run_id}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    if bytes == [0; 8] {
        bytes[7] = 1;
    }
    SpanId::from_bytes(bytes)
}

/// The context of a run's `run` span, as a parent for its steps on any node.
fn run_context(run_id: &str) -> Context {
    Context::new().with_remote_span_context(SpanContext::new(
        run_trace_id(run_id),
        run_span_id(run_id),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    ))
}

/// The caller's trace context of an incoming request (`traceparent`), when it sent one
/// and traces are exported.
pub fn incoming_context(headers: &http::HeaderMap) -> Option<Context> {
    if !headers.contains_key("traceparent") {
        return None;
    }
    let cx = opentelemetry::global::get_text_map_propagator(|p| {
        p.extract(&opentelemetry_http::HeaderExtractor(headers))
    });
    cx.span().span_context().is_valid().then_some(cx)
}

thread_local! {
    /// Ids the next span built on this thread must get (set around one synchronous
    /// `build` call by [`RunSpans::run_finished`]).
    static FORCED_IDS: Cell<Option<(TraceId, SpanId)>> = const { Cell::new(None) };
}

/// Random ids, except for a `run` span, whose ids derive from its run id.
#[derive(Debug, Default)]
struct RunIds(RandomIdGenerator);

impl IdGenerator for RunIds {
    fn new_trace_id(&self) -> TraceId {
        match FORCED_IDS.with(Cell::get) {
            Some((trace, _)) => trace,
            None => self.0.new_trace_id(),
        }
    }
    fn new_span_id(&self) -> SpanId {
        match FORCED_IDS.with(Cell::get) {
            Some((_, span)) => span,
            None => self.0.new_span_id(),
        }
    }
}

/// The engine's hook: steps join their run's trace; the run's span is written at its end.
struct RunSpans {
    tracer: SdkTracer,
}

fn system_time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

impl RunTracing for RunSpans {
    fn adopt_step(&self, run_id: &str, span: &tracing::Span) {
        // Only fails when the layer is absent (nothing is exported then anyway).
        let _ = span.set_parent(run_context(run_id));
    }

    fn run_finished(&self, run: &RunRecord) {
        let mut attributes = vec![
            KeyValue::new("agentruntime.run.id", run.id.clone()),
            KeyValue::new("agentruntime.run.status", run.status.as_str()),
        ];
        if !run.workflow_id.is_empty() {
            attributes.push(KeyValue::new(
                "agentruntime.workflow.id",
                run.workflow_id.clone(),
            ));
        }
        if let Some(version) = run.version {
            attributes.push(KeyValue::new("agentruntime.workflow.version", version));
        }
        if let Some(code) = &run.failure_code {
            attributes.push(KeyValue::new("error.type", code.clone()));
        }
        let builder = self
            .tracer
            .span_builder("run")
            .with_kind(SpanKind::Internal)
            .with_start_time(system_time(run.created_at))
            .with_attributes(attributes);
        // The root of the run's trace: built with no parent and the run's own ids.
        FORCED_IDS.with(|ids| ids.set(Some((run_trace_id(&run.id), run_span_id(&run.id)))));
        let mut span = builder.start_with_context(&self.tracer, &Context::new());
        FORCED_IDS.with(|ids| ids.set(None));
        if run.status.as_str() == "failed" {
            span.set_status(Status::error(run.error.clone().unwrap_or_default()));
        }
        let end = run
            .finished_at
            .map(system_time)
            .unwrap_or_else(SystemTime::now);
        span.end_with_timestamp(end);
    }

    fn traceparent(&self, span: &tracing::Span) -> Option<String> {
        let cx = span.context();
        if !cx.span().span_context().is_valid() {
            return None;
        }
        let mut carrier = HashMap::new();
        TraceContextPropagator::new().inject_context(&cx, &mut carrier);
        carrier.remove("traceparent")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_trace_id_is_its_uuid_and_its_span_id_is_stable() {
        let run = "019b2f6e-1c2d-7a3b-8c4d-5e6f708192a3";
        assert_eq!(
            run_trace_id(run).to_string(),
            "019b2f6e1c2d7a3b8c4d5e6f708192a3"
        );
        assert_eq!(run_span_id(run), run_span_id(run));
        assert_ne!(run_span_id(run), run_span_id("another"));
        assert_ne!(run_span_id(run), SpanId::INVALID);
        // Not a UUID: still a valid, stable trace id.
        let other = run_trace_id("adhoc-run");
        assert_ne!(other, TraceId::INVALID);
        assert_eq!(other, run_trace_id("adhoc-run"));
    }

    #[test]
    fn export_is_off_unless_an_endpoint_is_configured() {
        let none = |_: &str| None;
        assert!(!TracingSettings::default().enabled(none));
        let standard = |name: &str| {
            (name == "OTEL_EXPORTER_OTLP_ENDPOINT").then(|| "http://collector:4318".to_owned())
        };
        assert!(TracingSettings::default().enabled(standard));
        let ours = TracingSettings {
            otlp_endpoint: Some("http://collector:4318".into()),
            ..Default::default()
        };
        assert!(ours.enabled(none));
        let blank = |_: &str| Some("  ".to_owned());
        assert!(!TracingSettings::default().enabled(blank));
    }
}

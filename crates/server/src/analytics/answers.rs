//! The shapes of the nine analytics answers (docs/contract.md §14, docs/analytics.md):
//! each the period echoed ([`PeriodEcho`]) and the metric's own fields. What the numbers
//! count is in `crate::analytics::metrics`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::views::Time;

/// `window`, `from` and `to`, as answered with every result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodEcho {
    /// `week`, `month` or `all`; `null` when the period was given by `from`/`to`.
    #[schema(schema_with = window_schema, required = true)]
    pub window: Option<&'static str>,
    /// `null`: no lower bound (`window=all`).
    #[schema(required = true)]
    pub from: Option<Time>,
    pub to: Time,
}

fn one_of(values: &[Option<&str>]) -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type, schema::SchemaType};
    let types: Vec<Type> = if values.contains(&None) {
        vec![Type::String, Type::Null]
    } else {
        vec![Type::String]
    };
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter(types))
        .enum_values(Some(values.iter().map(|v| serde_json::json!(v))))
        .build()
}

fn window_schema() -> utoipa::openapi::Object {
    one_of(&[Some("week"), Some("month"), Some("all"), None])
}

fn granularity_schema() -> utoipa::openapi::Object {
    one_of(&[Some("hour"), Some("day"), Some("week")])
}

/// `live-runs` (runs not finished now, whatever the period) and `runs-count`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnalyticsCount {
    #[serde(flatten)]
    pub period: PeriodEcho,
    pub count: i64,
}

/// `success-rate`: the runs that finished in the period, by outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuccessRate {
    #[serde(flatten)]
    pub period: PeriodEcho,
    /// `completed / terminal`; `null` below 3 finished runs.
    #[schema(required = true)]
    pub rate: Option<f64>,
    pub completed: i64,
    pub failed: i64,
    pub stopped: i64,
    pub terminal: i64,
}

/// `execution-duration`: the summed wall-clock time of the period's finished runs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExecutionDuration {
    #[serde(flatten)]
    pub period: PeriodEcho,
    pub total_ms: i64,
    pub runs: i64,
}

/// `steps-executed`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepsExecuted {
    #[serde(flatten)]
    pub period: PeriodEcho,
    pub quantity: i64,
}

/// `credits-consumed`: what the ledger debited the project's runs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditsConsumed {
    #[serde(flatten)]
    pub period: PeriodEcho,
    pub microcredits: i64,
}

/// One step type of `steps-summary`; the percentiles are `null` without completed steps.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepTypeSummary {
    #[serde(rename = "type")]
    pub step_type: String,
    pub completed: i64,
    #[schema(required = true)]
    pub p50_ms: Option<i64>,
    #[schema(required = true)]
    pub p95_ms: Option<i64>,
}

/// LLM tokens metered in the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LlmTokens {
    #[serde(rename = "in")]
    pub tokens_in: i64,
    #[serde(rename = "out")]
    pub tokens_out: i64,
}

/// `steps-summary`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepsSummary {
    #[serde(flatten)]
    pub period: PeriodEcho,
    pub by_type: Vec<StepTypeSummary>,
    pub llm_tokens: LlmTokens,
}

/// A bucket of `runs-timeseries`; `t` is the bucket's start (UTC).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunsPoint {
    pub t: Time,
    pub started: i64,
    pub completed: i64,
    pub failed: i64,
    pub stopped: i64,
}

/// A bucket of `usage-timeseries`; `t` is the bucket's start (UTC).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsagePoint {
    pub t: Time,
    pub steps_executed: i64,
    pub llm_tokens_in: i64,
    pub llm_tokens_out: i64,
    pub mcp_calls: i64,
    pub microcredits: i64,
}

/// `runs-timeseries`: every bucket of the period, empty ones included.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunsSeries {
    #[serde(flatten)]
    pub period: PeriodEcho,
    #[schema(schema_with = granularity_schema)]
    pub granularity: &'static str,
    pub points: Vec<RunsPoint>,
}

/// `usage-timeseries`: every bucket of the period, empty ones included.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsageSeries {
    #[serde(flatten)]
    pub period: PeriodEcho,
    #[schema(schema_with = granularity_schema)]
    pub granularity: &'static str,
    pub points: Vec<UsagePoint>,
}

/// One metric's answer (each route answers its own variant).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum AnalyticsAnswer {
    Count(AnalyticsCount),
    SuccessRate(SuccessRate),
    ExecutionDuration(ExecutionDuration),
    StepsExecuted(StepsExecuted),
    CreditsConsumed(CreditsConsumed),
    StepsSummary(StepsSummary),
    RunsSeries(RunsSeries),
    UsageSeries(UsageSeries),
}

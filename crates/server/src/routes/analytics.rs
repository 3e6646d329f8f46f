//! `GET /v1/analytics/*` (docs/contract.md §14, `AnalyticsRead`: contributors and above, in
//! the project of `X-Project-Id`). Each handler names its [`Metric`]; what it computes is
//! in `crate::analytics::metrics`.

use ar_store::now_ms;
use axum::extract::State;

use crate::analytics::answers::AnalyticsAnswer;
use crate::analytics::metrics::{Metric, compute};
use crate::analytics::period::AnalyticsQuery;
use crate::auth::gate::Gate;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::json::Json;
use crate::state::AppState;

async fn answer(
    state: &AppState,
    gate: &Gate,
    q: &AnalyticsQuery,
    metric: Metric,
) -> ApiResult<Json<AnalyticsAnswer>> {
    let project = gate.project()?;
    let now = now_ms();
    let value = compute(state.tenants(), metric, &project.id, q, now).await?;
    Ok(Json(value))
}

/// Declares one handler per metric.
macro_rules! handlers {
    ($($name:ident => $metric:ident),* $(,)?) => {$(
        #[doc = concat!("`GET /v1/analytics/…` answering [`Metric::", stringify!($metric), "`].")]
        pub async fn $name(
            State(state): State<AppState>,
            gate: Gate,
            Query(q): Query<AnalyticsQuery>,
        ) -> ApiResult<Json<AnalyticsAnswer>> {
            answer(&state, &gate, &q, Metric::$metric).await
        }
    )*};
}

handlers! {
    live_runs => LiveRuns,
    success_rate => SuccessRate,
    execution_duration => ExecutionDuration,
    runs_count => RunsCount,
    steps_executed => StepsExecuted,
    credits_consumed => CreditsConsumed,
    steps_summary => StepsSummary,
    runs_timeseries => RunsTimeseries,
    usage_timeseries => UsageTimeseries,
}

/// The analytics routes' query parameters, for the OpenAPI document.
pub fn query_parameters(spec: &crate::routes::RouteSpec) -> Vec<utoipa::openapi::path::Parameter> {
    use utoipa::openapi::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    if !spec.path.starts_with("/v1/analytics/") {
        return Vec::new();
    }
    let param = crate::openapi::optional_query;
    let one_of = |values: &[&str]| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
    };
    let time = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
    };
    let mut out = vec![
        param(
            "window",
            one_of(&["week", "month", "all"]),
            "the last 7 or 30 days, or everything; default `month`; not with `from`/`to`",
        ),
        param(
            "from",
            time(),
            "RFC 3339 start (inclusive); default: the beginning",
        ),
        param("to", time(), "RFC 3339 end (exclusive); default now"),
    ];
    if spec.path.ends_with("-timeseries") {
        out.push(param(
            "granularity",
            one_of(&["hour", "day", "week"]),
            "bucket width (UTC; weeks start on Monday); default `day`; at most 2000 points",
        ));
    }
    out
}

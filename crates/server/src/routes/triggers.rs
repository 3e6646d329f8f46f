//! Cron triggers of a workflow (docs/contract.md §9, §10): `GET/POST /v1/workflows/{id}/triggers`,
//! `GET/PATCH/DELETE /v1/workflows/{id}/triggers/{trigger_id}`. A trigger starts the
//! workflow's latest published version with its `trigger_payload`, `trigger_steps` and
//! `excluded_step_ids` each time its cron expression matches in its time zone; the
//! scheduler (`automation::scheduler`) fires it.

use ar_store::automation::{TriggerPatch, TriggerRecord};
use ar_store::now_ms;
use ar_store::tenant::WorkflowRecord;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::gate::Gate;
use crate::auth::tokens::new_id;
use crate::automation::schedule::Schedule;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::routes::workflows;
use crate::state::AppState;
use crate::views::Time;

/// Zone used when a trigger names none.
const DEFAULT_TIMEZONE: &str = "UTC";

/// A cron trigger as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trigger {
    pub id: String,
    pub workflow_id: String,
    pub cron: String,
    /// IANA time zone name the expression is read in.
    pub timezone: String,
    #[schema(value_type = Object)]
    pub trigger_payload: Value,
    #[schema(value_type = Object)]
    pub trigger_steps: Value,
    pub excluded_step_ids: Vec<String>,
    pub enabled: bool,
    /// The next due instant; `null` while disabled.
    #[schema(required = true)]
    pub next_fire_at: Option<Time>,
    #[schema(required = true)]
    pub last_fired_at: Option<Time>,
    #[schema(required = true)]
    pub last_run_id: Option<String>,
    /// Why the last fire started no run, if it did not.
    #[schema(required = true)]
    pub last_error: Option<String>,
    pub created_at: Time,
    pub updated_at: Time,
}

fn view(t: &TriggerRecord) -> Trigger {
    Trigger {
        id: t.id.clone(),
        workflow_id: t.workflow_id.clone(),
        cron: t.cron.clone(),
        timezone: t.timezone.clone(),
        trigger_payload: t.trigger_payload.clone(),
        trigger_steps: t.trigger_steps.clone(),
        excluded_step_ids: t.excluded_step_ids.clone(),
        enabled: t.enabled,
        next_fire_at: Time::opt(t.next_fire_at),
        last_fired_at: Time::opt(t.last_fired_at),
        last_run_id: t.last_run_id.clone(),
        last_error: t.last_error.clone(),
        created_at: Time(t.created_at),
        updated_at: Time(t.updated_at),
    }
}

/// `GET /v1/workflows/{id}/triggers`'s answer, oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TriggerList {
    pub triggers: Vec<Trigger>,
}

/// The trigger the path names, on the workflow the path names (authorized by `load`).
async fn load(
    state: &AppState,
    gate: &Gate,
    workflow_id: &str,
    trigger_id: &str,
) -> ApiResult<(WorkflowRecord, TriggerRecord)> {
    let workflow = workflows::load(state, gate, workflow_id).await?;
    let trigger = state
        .automation()
        .trigger(&workflow.id, trigger_id)
        .await?
        .ok_or_else(|| ApiError::not_found("trigger"))?;
    Ok((workflow, trigger))
}

/// `trigger_steps`: an object of per-step input objects.
fn check_trigger_steps(v: Value) -> ApiResult<Value> {
    let steps = v.as_object().ok_or_else(|| {
        ApiError::bad_request("`trigger_steps` must be an object of step id → input object")
    })?;
    if let Some((id, _)) = steps.iter().find(|(_, input)| !input.is_object()) {
        return Err(ApiError::bad_request(format!(
            "`trigger_steps.{id}` must be an object (that step's input)"
        )));
    }
    Ok(v)
}

fn check_payload(v: Value) -> ApiResult<Value> {
    if v.is_object() {
        Ok(v)
    } else {
        Err(ApiError::bad_request(
            "`trigger_payload` must be a JSON object",
        ))
    }
}

/// `null` means "not given" for every optional field.
fn given(v: Option<Value>) -> Option<Value> {
    v.filter(|v| !v.is_null())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrigger {
    /// Five-field cron expression (minute hour day-of-month month day-of-week) or an alias
    /// such as `@daily`.
    #[schema(min_length = 1, max_length = 256, example = "0 9 * * 1-5")]
    cron: String,
    /// IANA time zone the expression is read in (default `UTC`).
    #[serde(default)]
    #[schema(example = "Europe/Berlin")]
    timezone: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    trigger_payload: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    trigger_steps: Option<Value>,
    #[serde(default)]
    excluded_step_ids: Option<Vec<String>>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// `GET /v1/workflows/{id}/triggers` (TriggersRead) → `{ "triggers": [...] }`, oldest first.
pub async fn list(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<TriggerList>> {
    let workflow = workflows::load(&state, &gate, &id).await?;
    let triggers = state
        .automation()
        .list_triggers(&workflow.id)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(Json(TriggerList { triggers }))
}

/// `POST /v1/workflows/{id}/triggers` (TriggersManage) → 201. A bad cron expression or
/// time zone is a 400 saying what is wrong.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
    Json(body): Json<NewTrigger>,
) -> ApiResult<(StatusCode, Json<Trigger>)> {
    let workflow = workflows::load(&state, &gate, &id).await?;
    if workflow.archived {
        return Err(ApiError::conflict(
            "the workflow is archived; archived workflows take no triggers",
        ));
    }
    let timezone = body
        .timezone
        .unwrap_or_else(|| DEFAULT_TIMEZONE.to_string());
    let schedule = Schedule::parse(&body.cron, &timezone).map_err(ApiError::bad_request)?;
    let enabled = body.enabled.unwrap_or(true);
    let now = now_ms();
    let trigger = TriggerRecord {
        id: new_id(),
        workspace_id: gate.require_workspace()?.id.clone(),
        project_id: workflow.project_id.clone(),
        workflow_id: workflow.id.clone(),
        cron: body.cron.trim().to_string(),
        timezone: timezone.trim().to_string(),
        trigger_payload: given(body.trigger_payload)
            .map(check_payload)
            .transpose()?
            .unwrap_or_else(|| Value::Object(Map::new())),
        trigger_steps: given(body.trigger_steps)
            .map(check_trigger_steps)
            .transpose()?
            .unwrap_or_else(|| Value::Object(Map::new())),
        excluded_step_ids: body.excluded_step_ids.unwrap_or_default(),
        enabled,
        next_fire_at: if enabled {
            schedule.next_after(now)
        } else {
            None
        },
        last_fired_at: None,
        last_run_id: None,
        last_error: None,
        claimed_by: None,
        claim_until: None,
        created_by: gate.principal.user.id.clone(),
        created_at: now,
        updated_at: now,
    };
    state.automation().create_trigger(&trigger).await?;
    Ok((StatusCode::CREATED, Json(view(&trigger))))
}

/// `GET /v1/workflows/{id}/triggers/{trigger_id}` (TriggersRead)
pub async fn get(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, trigger_id)): Path<(String, String)>,
) -> ApiResult<Json<Trigger>> {
    let (_, trigger) = load(&state, &gate, &id, &trigger_id).await?;
    Ok(Json(view(&trigger)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerChange {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 256)]
    cron: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    trigger_payload: Option<Value>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    trigger_steps: Option<Value>,
    #[serde(default)]
    excluded_step_ids: Option<Vec<String>>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// `PATCH /v1/workflows/{id}/triggers/{trigger_id}` (TriggersManage). Changing the
/// schedule or enabling the trigger moves its next fire to the first match after now.
pub async fn patch(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, trigger_id)): Path<(String, String)>,
    Json(body): Json<TriggerChange>,
) -> ApiResult<Json<Trigger>> {
    let (workflow, current) = load(&state, &gate, &id, &trigger_id).await?;
    let cron = body.cron.clone().unwrap_or_else(|| current.cron.clone());
    let timezone = body
        .timezone
        .clone()
        .unwrap_or_else(|| current.timezone.clone());
    let schedule = Schedule::parse(&cron, &timezone).map_err(ApiError::bad_request)?;
    let enabled = body.enabled.unwrap_or(current.enabled);
    let reschedule = body.cron.is_some() || body.timezone.is_some() || enabled != current.enabled;
    let now = now_ms();
    let change = TriggerPatch {
        cron: body.cron.map(|c| c.trim().to_string()),
        timezone: body.timezone.map(|t| t.trim().to_string()),
        trigger_payload: given(body.trigger_payload).map(check_payload).transpose()?,
        trigger_steps: given(body.trigger_steps)
            .map(check_trigger_steps)
            .transpose()?,
        excluded_step_ids: body.excluded_step_ids,
        enabled: body.enabled,
        next_fire_at: reschedule.then(|| {
            if enabled {
                schedule.next_after(now)
            } else {
                None
            }
        }),
    };
    if !state
        .automation()
        .update_trigger(&current.id, &change, now)
        .await?
    {
        return Err(ApiError::not_found("trigger"));
    }
    let (_, updated) = load(&state, &gate, &workflow.id, &current.id).await?;
    Ok(Json(view(&updated)))
}

/// `DELETE /v1/workflows/{id}/triggers/{trigger_id}` (TriggersManage) → 204
pub async fn delete(
    State(state): State<AppState>,
    gate: Gate,
    Path((id, trigger_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (_, trigger) = load(&state, &gate, &id, &trigger_id).await?;
    if !state.automation().delete_trigger(&trigger.id).await? {
        return Err(ApiError::not_found("trigger"));
    }
    Ok(StatusCode::NO_CONTENT)
}

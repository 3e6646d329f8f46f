//! Records of the automation tables, as the [`super::AutomationStore`] reads and writes them.

use serde_json::Value;

/// An inbound webhook subscription: signed POSTs to its ingress URL start its workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookRecord {
    pub id: String,
    pub workspace_id: String,
    pub project_id: String,
    pub workflow_id: String,
    pub name: String,
    /// The signing secret as the server sealed it; opaque to the store.
    pub signing_secret_sealed: Value,
    /// Payload defaults every delivery's body is merged over.
    pub extras: Value,
    pub enabled: bool,
    /// Ingress must present a PAT of this user…
    pub automation_user_id: String,
    /// …and this very PAT, when set.
    pub automation_pat_id: Option<String>,
    /// Ingress accepts only the timestamped signature form (`t=…,v1=…`), whose replays
    /// are refused; otherwise the plain `sha256=…` form is accepted too.
    pub require_timestamp: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A change to a webhook; `None` fields are left as they are. The workflow and the
/// secret never change: a subscription binds one workflow, and a new secret is a new
/// subscription.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookPatch {
    pub name: Option<String>,
    pub extras: Option<Value>,
    pub enabled: Option<bool>,
    pub require_timestamp: Option<bool>,
}

/// A cron schedule of one workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerRecord {
    pub id: String,
    pub workspace_id: String,
    pub project_id: String,
    pub workflow_id: String,
    /// The cron expression as given (validated by the server).
    pub cron: String,
    /// IANA time zone name the expression is read in.
    pub timezone: String,
    pub trigger_payload: Value,
    pub trigger_steps: Value,
    pub excluded_step_ids: Vec<String>,
    pub enabled: bool,
    /// The next due instant (unix ms); `None` while disabled.
    pub next_fire_at: Option<i64>,
    pub last_fired_at: Option<i64>,
    pub last_run_id: Option<String>,
    /// Why the last fire started no run, if it did not.
    pub last_error: Option<String>,
    /// The node holding the current fire, until `claim_until`.
    pub claimed_by: Option<String>,
    pub claim_until: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A change to a trigger; `None` fields are left as they are. The server recomputes
/// `next_fire_at` whenever the schedule or `enabled` changes and passes it here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriggerPatch {
    pub cron: Option<String>,
    pub timezone: Option<String>,
    pub trigger_payload: Option<Value>,
    pub trigger_steps: Option<Value>,
    pub excluded_step_ids: Option<Vec<String>>,
    pub enabled: Option<bool>,
    /// `Some(None)` clears it (a disabled trigger has no next fire).
    pub next_fire_at: Option<Option<i64>>,
}

/// What came of one claimed fire, written when the node releases its claim.
#[derive(Debug, Clone, PartialEq)]
pub struct FireOutcome {
    /// When the fire happened (the scheduler's clock).
    pub fired_at: i64,
    /// The next due instant after `fired_at`.
    pub next_fire_at: Option<i64>,
    pub run_id: Option<String>,
    pub error: Option<String>,
}

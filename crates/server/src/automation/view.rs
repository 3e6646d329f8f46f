//! What the API shows of webhook subscriptions and their deliveries (docs/contract.md §10):
//! never the signing secret, except once in [`CreatedWebhook`].

use ar_store::automation::WebhookRecord;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::runs::start::StartedRun;
use crate::views::Time;

/// A webhook subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: String,
    /// The same as `id`.
    pub subscription_id: String,
    /// The workspace's id.
    pub tenant_id: String,
    pub workflow_id: String,
    pub project_id: String,
    pub name: String,
    /// Payload defaults every delivery's body is merged over.
    #[schema(value_type = Object)]
    pub extras: Value,
    pub enabled: bool,
    #[schema(required = true)]
    pub automation_pat_id: Option<String>,
    pub automation_user_id: String,
    pub require_timestamp: bool,
    pub ingress_url: String,
    pub ingress_path: String,
    pub created_at: Time,
    pub updated_at: Time,
}

impl Webhook {
    /// `origin`: the server's public origin, for `ingress_url`.
    pub fn new(origin: &str, ingress_path: String, w: &WebhookRecord) -> Self {
        Webhook {
            id: w.id.clone(),
            subscription_id: w.id.clone(),
            tenant_id: w.workspace_id.clone(),
            workflow_id: w.workflow_id.clone(),
            project_id: w.project_id.clone(),
            name: w.name.clone(),
            extras: w.extras.clone(),
            enabled: w.enabled,
            automation_pat_id: w.automation_pat_id.clone(),
            automation_user_id: w.automation_user_id.clone(),
            require_timestamp: w.require_timestamp,
            ingress_url: format!("{origin}{ingress_path}"),
            ingress_path,
            created_at: Time(w.created_at),
            updated_at: Time(w.updated_at),
        }
    }
}

/// `POST /v1/inbound-webhooks`'s answer. The hosted answer wraps the subscription
/// (`subscription`, beside the ingress and the secret); this project's clients read the
/// same fields at the top level. No `Debug`: the secret must not reach a log.
#[derive(Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub subscription: Webhook,
    /// The HMAC signing secret, shown only in this answer.
    pub signing_secret: String,
}

/// `GET /v1/inbound-webhooks/{id}`'s answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDetail {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The latest signed delivery refused for its credential; `null` when none.
    #[schema(required = true)]
    pub last_refusal: Option<Refusal>,
}

/// A signed delivery refused for its credential.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Refusal {
    pub refused_at: Time,
    pub reason: String,
}

/// `GET /v1/inbound-webhooks`'s answer, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookList {
    pub inbound_webhooks: Vec<Webhook>,
}

/// The ingress answer: the run, the subscription, and whether the key was seen before.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivered {
    #[serde(flatten)]
    pub run: StartedRun,
    pub subscription_id: String,
    /// The `Idempotency-Key` was seen before: `run_id` is the run the first delivery
    /// started.
    pub duplicate: bool,
}

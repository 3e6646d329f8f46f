//! Workspace LLM provider keys (docs/contract.md §9 "LLM"; tenant admins, `LlmKeysManage`): keys
//! are sealed with the workspace vault and never shown again, not even in part. The
//! catalog says which providers this server knows and whether a workspace or system key is
//! configured for each (booleans only); `POST /v1/llm/resolve` says where a step's model
//! would go and which key would pay, in the order `llm_call` uses.

use ar_connect::llm::ModelRef;
use ar_store::integrations::LlmKeyRecord;
use ar_store::now_ms;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::gate::Gate;
use crate::auth::tokens::new_id;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::llm::{self, keys::key_field};
use crate::routes::workspaces::check_name;
use crate::state::AppState;
use crate::views;

/// Longest accepted API key, in bytes.
const MAX_KEY_BYTES: usize = 4096;

/// A key as the API shows it: nothing of the key itself.
fn view(k: &LlmKeyRecord) -> Value {
    json!({
        "id": k.id, "provider": k.provider, "label": k.label, "created_by": k.created_by,
        "created_at": views::time(k.created_at),
    })
}

fn providers(state: &AppState) -> ApiResult<ar_executors::LlmProviders> {
    llm::providers(state.settings()).map_err(ApiError::internal)
}

/// `GET /v1/llm-provider-keys` → `{ "llm_provider_keys": [...] }` by provider, newest first.
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<Value>> {
    let ws = gate.require_workspace()?;
    let keys: Vec<Value> = state
        .integrations()
        .list_llm_keys(&ws.id)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(Json(json!({ "llm_provider_keys": keys })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLlmKey {
    /// A provider this server knows (see the catalog), e.g. `openai`.
    #[schema(min_length = 1)]
    provider: String,
    /// The provider's API key. Never shown again.
    #[schema(min_length = 1, max_length = 4096)]
    api_key: String,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::field::opt_name)]
    label: Option<String>,
}

/// `POST /v1/llm-provider-keys` → 201 with the key's metadata. The newest key of a
/// provider is the workspace key; any key can be named by a step's `llm_credential_id`.
pub async fn create(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<NewLlmKey>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let ws = gate.require_workspace()?;
    let known = providers(&state)?;
    if known.get(&body.provider).is_none() {
        return Err(ApiError::bad_request(format!(
            "unknown provider {:?}; this server knows: {}",
            body.provider,
            known.names().join(", ")
        )));
    }
    if body.api_key.trim().is_empty() {
        return Err(ApiError::bad_request("`api_key` must not be empty"));
    }
    if body.api_key.len() > MAX_KEY_BYTES {
        return Err(ApiError::bad_request(format!(
            "`api_key` is longer than {MAX_KEY_BYTES} bytes"
        )));
    }
    let label = body
        .label
        .as_deref()
        .map(|l| check_name("label", l))
        .transpose()?;
    let id = new_id();
    let key_sealed = state
        .vault()
        .seal(&ws.id, key_field(&id), body.api_key.trim())
        .await?;
    let key = LlmKeyRecord {
        id,
        workspace_id: ws.id.clone(),
        provider: body.provider,
        label,
        key_sealed,
        created_by: gate.principal.user.id.clone(),
        created_at: now_ms(),
    };
    state.integrations().create_llm_key(&key).await?;
    Ok((StatusCode::CREATED, Json(view(&key))))
}

/// `DELETE /v1/llm-provider-keys/{id}` → 204.
pub async fn delete(
    State(state): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let ws = gate.require_workspace()?;
    if !state.integrations().delete_llm_key(&ws.id, &id).await? {
        return Err(ApiError::not_found("LLM provider key"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/llm-provider-keys/catalog` → `{ "providers": [{name, flavor, models,
/// requires_api_key, workspace_key, system_key}] }`. `models` is `null`: the server keeps no
/// model lists (any wire name the provider accepts works).
pub async fn catalog(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<Value>> {
    let ws = gate.require_workspace()?;
    let keys = state.integrations().list_llm_keys(&ws.id).await?;
    let known = providers(&state)?;
    let out: Vec<Value> = known
        .names()
        .iter()
        .filter_map(|name| known.get(name))
        .map(|p| {
            json!({
                "name": p.name,
                "flavor": match p.flavor {
                    ar_connect::llm::ApiFlavor::OpenAiCompatible => "openai_compatible",
                    ar_connect::llm::ApiFlavor::Anthropic => "anthropic",
                },
                "models": Value::Null,
                "requires_api_key": p.requires_api_key,
                "workspace_key": keys.iter().any(|k| k.provider == p.name),
                "system_key": llm::system_key_for(state.settings(), &ws.slug, &p.name),
            })
        })
        .collect();
    Ok(Json(json!({ "providers": out })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// `<source>.<provider>.<model>`, e.g. `direct.openai.gpt-4o-mini`.
    #[serde(default)]
    model_ref: Option<String>,
    /// A bare wire model name, sent to the default provider.
    #[serde(default)]
    model: Option<String>,
}

/// `POST /v1/llm/resolve` `{model_ref}` or `{model}` → `{source, provider, model,
/// key_source}`, `key_source` being `workspace`, `system` or `null` (no key: the step
/// would fail, unless the provider needs none). `step` applies only to a step with an
/// `llm_credential_id`, which this request does not carry.
pub async fn resolve(
    State(state): State<AppState>,
    gate: Gate,
    Json(body): Json<ResolveBody>,
) -> ApiResult<Json<Value>> {
    let ws = gate.require_workspace()?;
    if body.model_ref.is_some() && body.model.is_some() {
        return Err(ApiError::bad_request(
            "give `model_ref` or `model`, not both",
        ));
    }
    let known = providers(&state)?;
    let (config, model) = known
        .resolve(body.model_ref.as_deref(), body.model.as_deref())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let source = match &body.model_ref {
        Some(text) => {
            ModelRef::parse(text)
                .map_err(|e| ApiError::bad_request(e.to_string()))?
                .source
        }
        None => "direct".to_owned(),
    };
    let key_source = if state
        .integrations()
        .workspace_llm_key(&ws.id, &config.name)
        .await?
        .is_some()
    {
        Some("workspace")
    } else if llm::system_key_for(state.settings(), &ws.slug, &config.name) {
        Some("system")
    } else {
        None
    };
    Ok(Json(json!({
        "source": source, "provider": config.name, "model": model,
        "key_source": key_source, "requires_api_key": config.requires_api_key,
    })))
}

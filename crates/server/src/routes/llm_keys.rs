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
use serde::{Deserialize, Serialize};

use crate::auth::gate::Gate;
use crate::auth::tokens::new_id;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::llm::{self, keys::key_field};
use crate::routes::workspaces::check_name;
use crate::state::AppState;
use crate::views::Time;

/// Longest accepted API key, in bytes.
const MAX_KEY_BYTES: usize = 4096;

/// A key as the API shows it: nothing of the key itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LlmKey {
    pub id: String,
    pub provider: String,
    #[schema(required = true)]
    pub label: Option<String>,
    pub created_by: String,
    pub created_at: Time,
}

fn view(k: &LlmKeyRecord) -> LlmKey {
    LlmKey {
        id: k.id.clone(),
        provider: k.provider.clone(),
        label: k.label.clone(),
        created_by: k.created_by.clone(),
        created_at: Time(k.created_at),
    }
}

/// `GET /v1/llm-provider-keys`'s answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LlmKeyList {
    pub llm_provider_keys: Vec<LlmKey>,
}

/// One provider of `GET /v1/llm-provider-keys/catalog`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogProvider {
    pub name: String,
    /// The provider's API: `openai_compatible` or `anthropic`.
    #[schema(schema_with = flavor_schema)]
    pub flavor: &'static str,
    /// Always `null`: the server keeps no model lists (any wire name the provider
    /// accepts works).
    #[schema(value_type = Option<Vec<String>>, required = true)]
    pub models: Option<Vec<String>>,
    pub requires_api_key: bool,
    /// The workspace has its own key for it.
    pub workspace_key: bool,
    /// The operator's key serves this workspace.
    pub system_key: bool,
}

fn flavor_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["openai_compatible", "anthropic"]))
        .build()
}

/// `GET /v1/llm-provider-keys/catalog`'s answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LlmCatalog {
    pub providers: Vec<CatalogProvider>,
}

/// `POST /v1/llm/resolve`'s answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Resolved {
    pub source: String,
    pub provider: String,
    pub model: String,
    /// Where the key would come from: `workspace`, `system`, or `null` (no key).
    #[schema(schema_with = key_source_schema, required = true)]
    pub key_source: Option<&'static str>,
    pub requires_api_key: bool,
}

fn key_source_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            utoipa::openapi::Type::String,
            utoipa::openapi::Type::Null,
        ]))
        .enum_values(Some([
            serde_json::json!("workspace"),
            serde_json::json!("system"),
            serde_json::Value::Null,
        ]))
        .build()
}

fn providers(state: &AppState) -> ApiResult<ar_executors::LlmProviders> {
    llm::providers(state.settings()).map_err(ApiError::internal)
}

/// `GET /v1/llm-provider-keys` → `{ "llm_provider_keys": [...] }` by provider, newest first.
pub async fn list(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<LlmKeyList>> {
    let ws = gate.require_workspace()?;
    let llm_provider_keys = state
        .integrations()
        .list_llm_keys(&ws.id)
        .await?
        .iter()
        .map(view)
        .collect();
    Ok(Json(LlmKeyList { llm_provider_keys }))
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
) -> ApiResult<(StatusCode, Json<LlmKey>)> {
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
pub async fn catalog(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<LlmCatalog>> {
    let ws = gate.require_workspace()?;
    let keys = state.integrations().list_llm_keys(&ws.id).await?;
    let known = providers(&state)?;
    let providers = known
        .names()
        .iter()
        .filter_map(|name| known.get(name))
        .map(|p| CatalogProvider {
            name: p.name.clone(),
            flavor: match p.flavor {
                ar_connect::llm::ApiFlavor::OpenAiCompatible => "openai_compatible",
                ar_connect::llm::ApiFlavor::Anthropic => "anthropic",
            },
            models: None,
            requires_api_key: p.requires_api_key,
            workspace_key: keys.iter().any(|k| k.provider == p.name),
            system_key: llm::system_key_for(state.settings(), &ws.slug, &p.name),
        })
        .collect();
    Ok(Json(LlmCatalog { providers }))
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
) -> ApiResult<Json<Resolved>> {
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
    Ok(Json(Resolved {
        source,
        provider: config.name.clone(),
        model: model.to_string(),
        key_source,
        requires_api_key: config.requires_api_key,
    }))
}

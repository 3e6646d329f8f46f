//! Liveness and readiness probes (not rate limited, no authentication).

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::json::Json;
use crate::state::AppState;

/// `GET /healthz`: the process serves requests.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.tenants().count_users().await {
        Ok(_) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "error": "database unavailable" })),
            )
        }
    }
}

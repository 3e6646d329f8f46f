//! The starter gallery (`crate::starters`): the built-in example workflows a new project
//! can start from. Readable by any project viewer; the same for every workspace.

use axum::extract::State;
use axum::http::StatusCode;

use crate::auth::gate::Gate;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::json::Json;
use crate::starters;
use crate::state::AppState;

/// `GET /v1/starters` (WorkflowRead): the gallery's cards, without their graphs.
pub async fn list(State(_): State<AppState>, gate: Gate) -> ApiResult<Json<StarterList>> {
    // The action is project-scoped: the gate checked the project only if one was named.
    gate.project()?;
    let starters = starters::all().iter().map(|s| s.summary()).collect();
    Ok(Json(StarterList { starters }))
}

/// `GET /v1/starters`'s answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StarterList {
    pub starters: Vec<starters::StarterCard>,
}

/// `GET /v1/starters/{id}` (WorkflowRead): one card with its graph, ready for
/// `POST /v1/workflows`.
pub async fn get(
    State(_): State<AppState>,
    gate: Gate,
    Path(id): Path<String>,
) -> ApiResult<Json<starters::StarterDetail>> {
    gate.project()?;
    let starter = starters::find(&id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "starter not found: GET /v1/starters lists the starters",
        )
    })?;
    Ok(Json(starter.detail()))
}

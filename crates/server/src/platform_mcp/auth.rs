//! Authentication of `/mcp`: every request carries `Authorization: Bearer pat_…`, checked
//! here before the MCP transport sees it (docs/contract.md §12). Missing, unknown, revoked
//! or expired tokens get 401 with `WWW-Authenticate: Bearer`; a session cookie is not a
//! credential here (an MCP client is a program, and a cookie would let any page the user
//! visits drive the tools). The verified [`Principal`] goes into the request's extensions,
//! where the tool handler finds it (rmcp hands each request's `http::request::Parts` to it).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::principal::{Credential, Principal, verify};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn require_pat(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    if !parts.headers.contains_key(header::AUTHORIZATION) {
        return unauthorized(ApiError::unauthorized(
            "send `Authorization: Bearer pat_…` (a personal access token); session cookies are not accepted on /mcp",
        ));
    }
    let principal: Principal = match verify(&mut parts, &state).await {
        Ok(p) => p,
        Err(e) => return unauthorized(e),
    };
    if !matches!(principal.credential, Credential::Pat(_)) {
        return unauthorized(ApiError::unauthorized(
            "a personal access token is required",
        ));
    }
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, body)).await
}

fn unauthorized(error: ApiError) -> Response {
    let status = error.status;
    let mut response = error.into_response();
    if status == axum::http::StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"agentruntime\""),
        );
    }
    response
}

//! The web console (`console/dist`, built by `npm run build` in `console/`) served at `/`.
//!
//! Release builds embed the files in the binary; debug builds read them from
//! `console/dist` at request time, so a rebuilt console shows up without recompiling the
//! server. A build without `console/dist` still compiles (`allow_missing`) and answers
//! with a page saying how to build the console.
//!
//! Routing (the router's fallback, so every `/v1` route and the probes win first):
//! - `/v1` and anything under it: the API's JSON 404;
//! - an existing file: served with its content type; files under `assets/` carry a content
//!   hash in their names, so they are cached for a year, everything else is revalidated;
//! - a missing file under `assets/`: 404 (never index.html, which the browser would try to
//!   run as a script);
//! - any other GET/HEAD: `index.html`, so the SPA's client-side routes survive a reload.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::{Embed, EmbeddedFile};

use crate::error::{self, ApiError};

/// The built console.
#[derive(Embed)]
#[folder = "$CARGO_MANIFEST_DIR/../../console/dist/"]
#[allow_missing = true]
struct ConsoleDist;

/// Hashed build output (Vite's `build.assetsDir`).
const HASHED_ASSETS_DIR: &str = "assets/";
const INDEX: &str = "index.html";
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The router fallback: the console for browsers, the JSON 404 for the API.
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    respond::<ConsoleDist>(&method, uri.path(), &headers).await
}

async fn respond<E: Embed>(method: &Method, path: &str, headers: &HeaderMap) -> Response {
    if is_api_path(path) {
        return error::unknown_route().await.into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return error::method_not_allowed().await.into_response();
    }
    let relative = path.trim_start_matches('/');
    if relative.split('/').any(|segment| segment == "..") {
        return ApiError::new(StatusCode::BAD_REQUEST, "invalid path").into_response();
    }
    if !relative.is_empty()
        && let Some(file) = E::get(relative)
    {
        let cache = if relative.starts_with(HASHED_ASSETS_DIR) {
            CACHE_FOREVER
        } else {
            REVALIDATE
        };
        return file_response(&file, cache, headers);
    }
    if relative.starts_with(HASHED_ASSETS_DIR) {
        return (StatusCode::NOT_FOUND, "no such console asset").into_response();
    }
    match E::get(INDEX) {
        Some(index) => file_response(&index, REVALIDATE, headers),
        None => not_built(),
    }
}

fn is_api_path(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

/// The file with its type, cache policy and an ETag (its SHA-256), answering a matching
/// `If-None-Match` with 304 so revalidated files are not sent again.
fn file_response(file: &EmbeddedFile, cache: &'static str, request: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let mut response = if request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        file.data.clone().into_owned().into_response()
    };
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(file.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

/// What a server built without the console answers.
fn not_built() -> Response {
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
        <title>agentruntime: console not built</title></head><body>\
        <h1>The console is not built</h1>\
        <p>Console not built: run <code>npm run build</code> in <code>console/</code>, \
        then reload this page (debug builds) or rebuild the server (release builds).</p>\
        <p>The API is available under <code>/v1</code>.</p></body></html>";
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    /// A console folder that does not exist: what a server built before `npm run build` has.
    #[derive(Embed)]
    #[folder = "$CARGO_MANIFEST_DIR/no-console-here/"]
    #[allow_missing = true]
    struct Missing;

    async fn text(response: Response) -> String {
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn without_a_build_pages_explain_how_to_build_the_console() {
        let response = respond::<Missing>(&Method::GET, "/workflow/abc", &HeaderMap::new()).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            text(response)
                .await
                .contains("run <code>npm run build</code>")
        );
    }

    #[tokio::test]
    async fn without_a_build_the_api_still_answers_json_404() {
        let response = respond::<Missing>(&Method::GET, "/v1/nope", &HeaderMap::new()).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(text(response).await.contains("\"error\""));
    }

    #[tokio::test]
    async fn parent_segments_are_refused() {
        let response = respond::<Missing>(&Method::GET, "/../Cargo.toml", &HeaderMap::new()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}

//! The console served at `/` by the real server: SPA fallback, content types, cache
//! headers, and the API's JSON 404 for unknown `/v1` routes.
//!
//! Needs the built console (`npm run build` in `console/`; `scripts/test` builds it before
//! the Rust tests). Debug builds read `console/dist` at request time, so the files the
//! server sends are compared with the files on disk.

mod common;

use std::path::PathBuf;

use common::{Backend, TestServer};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};

fn dist() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../console/dist");
    assert!(
        dir.join("index.html").is_file(),
        "console/dist/index.html is missing: run `npm run build` in console/ first"
    );
    dir
}

/// The name of one built file under `assets/` with the given extension.
fn built_asset(extension: &str) -> String {
    std::fs::read_dir(dist().join("assets"))
        .expect("console/dist/assets")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.ends_with(extension))
        .unwrap_or_else(|| panic!("no .{extension} file in console/dist/assets"))
}

async fn get(s: &TestServer, path: &str) -> reqwest::Response {
    s.http
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .expect("request")
}

fn header(r: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    r.headers()
        .get(&name)
        .map(|v| v.to_str().expect("ascii header"))
        .unwrap_or("")
}

#[tokio::test]
async fn root_and_client_side_routes_serve_index_html_uncached() {
    let index = std::fs::read_to_string(dist().join("index.html")).expect("index.html");
    let s = common::start(Backend::Sqlite).await;
    for path in [
        "/",
        "/workflow",
        "/workflow/0190a1b2/runs/42",
        "/settings/api-keys?x=1",
    ] {
        let r = get(&s, path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, CONTENT_TYPE), "text/html", "{path}");
        assert_eq!(header(&r, CACHE_CONTROL), "no-cache", "{path}");
        assert_eq!(r.text().await.unwrap(), index, "{path}");
    }
    s.close().await;
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_with_their_content_type() {
    let script = built_asset(".js");
    let style = built_asset(".css");
    let s = common::start(Backend::Sqlite).await;

    let r = get(&s, &format!("/assets/{script}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, CONTENT_TYPE), "text/javascript");
    assert_eq!(
        header(&r, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let on_disk = std::fs::read(dist().join("assets").join(&script)).unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), on_disk.as_slice());

    let r = get(&s, &format!("/assets/{style}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, CONTENT_TYPE), "text/css");
    s.close().await;
}

#[tokio::test]
async fn a_missing_asset_is_404_not_index_html() {
    let s = common::start(Backend::Sqlite).await;
    let r = get(&s, "/assets/index-doesnotexist.js").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_ne!(header(&r, CONTENT_TYPE), "text/html");
    s.close().await;
}

#[tokio::test]
async fn revalidating_with_the_etag_answers_304() {
    let s = common::start(Backend::Sqlite).await;
    let first = get(&s, "/").await;
    let etag = header(&first, ETAG).to_string();
    assert!(etag.starts_with('"') && etag.len() > 2, "etag {etag:?}");
    let again = s
        .http
        .get(format!("{}/", s.base))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    s.close().await;
}

#[tokio::test]
async fn unknown_api_routes_keep_the_json_404_and_probes_still_answer() {
    let s = common::start(Backend::Sqlite).await;
    for path in ["/v1", "/v1/", "/v1/no-such-route", "/v1/workflows/x/y/z/w"] {
        let r = get(&s, path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            header(&r, CONTENT_TYPE).starts_with("application/json"),
            "{path}"
        );
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    let r = get(&s, "/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_ne!(header(&r, CONTENT_TYPE), "text/html");
    s.close().await;
}

#[tokio::test]
async fn writes_to_console_paths_are_405() {
    let s = common::start(Backend::Sqlite).await;
    let r = s
        .http
        .post(format!("{}/workflow", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    s.close().await;
}

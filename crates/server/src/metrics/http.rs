//! HTTP request durations by route template (`/v1/workflows/{id}`, never the concrete
//! path: ids and invite tokens travel in paths), method and status code.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use super::HTTP_REQUEST_DURATION;

/// The `route` label of requests no route matched (the console's files, unknown paths).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Middleware: times the request and records it once the response head is ready.
pub async fn record(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    let method = method_label(request.method());
    let began = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(
        HTTP_REQUEST_DURATION,
        "route" => route,
        "method" => method,
        "status" => response.status().as_u16().to_string(),
    )
    .record(began.elapsed().as_secs_f64());
    response
}

/// Standard methods by name; anything else (a client can send any token) as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_do_not_become_label_values() {
        assert_eq!(method_label(&Method::GET), "GET");
        let invented = Method::from_bytes(b"X-EXFILTRATE-123").expect("method");
        assert_eq!(method_label(&invented), "other");
    }
}

//! Session cookies and the CSRF rule for cookie-authenticated writes.

use axum::http::{HeaderMap, HeaderValue, Method, header};

use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ar_session";

/// The session cookie's value, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Secure when configured.
pub fn set_session_cookie(token: &str, max_age_secs: u64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .ok()
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("ar_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("ar_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

/// True for methods that change nothing (no CSRF check needed).
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The origin (`scheme://host[:port]`) of a URL-ish header value.
fn origin_of(value: &str) -> Option<String> {
    let url = url::Url::parse(value).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// CSRF rule (docs/contract.md §9): a cookie-authenticated write must carry an `Origin` (or, if the
/// browser sent none, a `Referer`) of the server's own origin.
pub fn check_csrf(method: &Method, headers: &HeaderMap, own_origin: &str) -> Result<(), ApiError> {
    if is_safe(method) {
        return Ok(());
    }
    let header_origin = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .and_then(origin_of)
    };
    let presented = header_origin(header::ORIGIN).or_else(|| header_origin(header::REFERER));
    match presented {
        Some(origin) if origin == own_origin => Ok(()),
        Some(_) => Err(ApiError::forbidden(
            "cross-site request refused: the Origin is not this server's",
        )),
        None => Err(ApiError::forbidden(
            "cookie-authenticated writes need an Origin or Referer header of this server (or use a bearer token)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let h = headers(&[(header::COOKIE, "a=1; ar_session=tok; b=2")]);
        assert_eq!(session_cookie(&h), Some("tok"));
        assert_eq!(
            session_cookie(&headers(&[(header::COOKIE, "ar_session=")])),
            None
        );
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_when_asked() {
        let plain = set_session_cookie("t", 60, false).expect("cookie");
        let secure = set_session_cookie("t", 60, true).expect("cookie");
        let plain = plain.to_str().expect("text");
        assert!(
            plain.contains("HttpOnly")
                && plain.contains("SameSite=Lax")
                && !plain.contains("Secure"),
            "{plain}"
        );
        assert!(secure.to_str().expect("text").ends_with("; Secure"));
        assert!(
            clear_session_cookie(true)
                .to_str()
                .expect("text")
                .contains("Max-Age=0")
        );
        assert!(
            set_session_cookie("bad\nvalue", 60, false).is_none(),
            "no header injection"
        );
    }

    type Pairs<'a> = &'a [(header::HeaderName, &'a str)];

    #[test]
    fn csrf_accepts_only_the_own_origin_on_writes() {
        let own = "http://127.0.0.1:8080";
        let cases: &[(Method, Pairs, bool)] = &[
            (Method::GET, &[], true),
            (Method::POST, &[], false),
            (
                Method::POST,
                &[(header::ORIGIN, "http://127.0.0.1:8080")],
                true,
            ),
            (
                Method::DELETE,
                &[(header::ORIGIN, "http://evil.example")],
                false,
            ),
            (
                Method::PATCH,
                &[(header::REFERER, "http://127.0.0.1:8080/console/x")],
                true,
            ),
            (
                Method::POST,
                &[(header::REFERER, "http://127.0.0.1:8081/")],
                false,
            ),
            (Method::POST, &[(header::ORIGIN, "null")], false),
        ];
        for (method, hs, ok) in cases {
            assert_eq!(
                check_csrf(method, &headers(hs), own).is_ok(),
                *ok,
                "{method} {hs:?}"
            );
        }
    }
}

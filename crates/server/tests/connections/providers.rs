//! Google and WhatsApp connections (docs/connections.md "Google", "WhatsApp"): Google's
//! preset flow against the local authorization server standing in for Google (consent
//! URL, code exchange, userinfo, services), WhatsApp's manual and embedded-signup
//! connections against a Graph API stand-in; states and ids of other workspaces, bad
//! input, switched-off providers, and no token in any answer, log line or raw row.

use super::*;
use crate::auth_server::EMAIL;
use crate::graph_server::{APP_ID, APP_SECRET, GraphServer, PHONE_NUMBER_ID, WABA_ID};

const GMAIL: &str = "https://www.googleapis.com/auth/gmail.modify";
const CALENDAR: &str = "https://www.googleapis.com/auth/calendar";
const DRIVE: &str = "https://www.googleapis.com/auth/drive";

/// The test settings with Google pointed at `auth`.
fn google_settings(auth: &AuthServer) -> ar_server::Settings {
    let mut s = settings();
    let g = &mut s.connections.google;
    g.client_id = Some(CLIENT_ID.into());
    g.client_secret = Some(CLIENT_SECRET.into());
    g.authorization_url = format!("{}/authorize", auth.base);
    g.token_url = format!("{}/token", auth.base);
    g.userinfo_url = format!("{}/userinfo", auth.base);
    g.revocation_url = format!("{}/revoke", auth.base);
    s
}

fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `oauth-url` as `ws`'s owner, then Google's consent (the stand-in redirects at once);
/// returns the redirect Google sends the browser to, and the `oauth-url` answer.
async fn consent(s: &TestServer, ws: &Workspace, body: Value) -> (String, Value) {
    let r = call(
        s,
        &ws.owner,
        ws,
        Method::POST,
        "/v1/connections/google/oauth-url",
        Some(body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let url = r.body["url"].as_str().expect("url").to_string();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = browser.get(&url).send().await.expect("authorize");
    assert_eq!(answer.status().as_u16(), 303, "{url}");
    let location = answer.headers()[reqwest::header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    (location, r.body)
}

async fn complete(s: &TestServer, who: &Auth, ws: &Workspace, redirect: &str) -> Reply {
    let q = query_of(redirect);
    call(
        s,
        who,
        ws,
        Method::POST,
        "/v1/connections/google/complete",
        Some(json!({"code": q["code"], "state": q["state"]})),
    )
    .await
}

/// A project viewer of `ws`'s project.
async fn viewer_of(s: &TestServer, ws: &Workspace) -> Auth {
    let ws_id = workspace_id(s, &ws.slug).await;
    let (user, cookie) = s
        .signup(&format!("viewer@{}.test", ws.slug), "password-123")
        .await;
    s.tenants()
        .upsert_member(&MembershipRecord {
            workspace_id: ws_id,
            user_id: user.clone(),
            role: "member".into(),
            active: true,
            created_at: 0,
        })
        .await
        .expect("member");
    s.tenants()
        .set_project_member(&ws.project, &user, "project_viewer", 0)
        .await
        .expect("viewer");
    Auth::Session(cookie)
}

async fn google_flow(backend: Backend) {
    let auth = AuthServer::start().await;
    // The user ticks Gmail and Calendar on Google's consent screen, not Drive.
    auth.grant_scopes(&["openid", "email", GMAIL, CALENDAR]);
    let h = harness_with(backend, google_settings(&auth)).await;
    let s = &h.s;
    let ws = workspace(s, "g-flow").await;
    let ws_id = workspace_id(s, &ws.slug).await;

    let config = call(
        s,
        &ws.owner,
        &ws,
        Method::GET,
        "/v1/connections/google/config",
        None,
    )
    .await;
    assert_eq!(config.status, 200, "{}", config.body);
    assert_eq!(config.body["enabled"], true);
    let names: Vec<&str> = config.body["services"]
        .as_array()
        .expect("catalog")
        .iter()
        .filter_map(|s| s["service"].as_str())
        .collect();
    for name in [
        "gmail",
        "google-calendar",
        "google-drive",
        "google-search-console",
    ] {
        assert!(names.contains(&name), "{names:?}");
    }
    assert!(!config.body.to_string().contains(CLIENT_SECRET));

    // The consent URL carries Google's parameters and the services' scopes.
    let (redirect, started) = consent(
        s,
        &ws,
        json!({"services": ["gmail", "google-calendar", "google-drive"], "display_name": "Work Google"}),
    )
    .await;
    let url = started["url"].as_str().expect("url");
    assert!(!url.contains(CLIENT_SECRET), "{url}");
    let q = query_of(url);
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["include_granted_scopes"], "true");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["code_challenge_method"], "S256");
    let scopes: Vec<&str> = q["scope"].split(' ').collect();
    for scope in ["openid", "email", GMAIL, CALENDAR, DRIVE] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }
    assert_eq!(
        q["redirect_uri"],
        started["redirect_uri"].as_str().expect("uri")
    );
    assert_eq!(auth.authorize_queries().len(), 1);

    // Complete: the connection, its tokens sealed, the e-mail read with the new token.
    let done = complete(s, &ws.owner, &ws, &redirect).await;
    assert_eq!(done.status, 201, "{}", done.body);
    assert_eq!(done.body["provider"], "google");
    assert_eq!(done.body["auth_type"], "oauth2");
    assert_eq!(done.body["display_name"], "Work Google");
    assert_eq!(
        done.body["credential_keys"],
        json!(["access_token", "refresh_token"])
    );
    assert_eq!(done.body["google"]["email"], EMAIL);
    assert_eq!(done.body["oauth"]["account"]["email"], EMAIL);
    assert_eq!(
        done.body["oauth"]["account"]["services"],
        json!(["gmail", "google-calendar"]),
        "only the granted services are enabled"
    );
    let id = done.body["id"].as_str().expect("id").to_string();
    assert_eq!(auth.userinfo_calls(), vec![auth.access_tokens()[0].clone()]);
    let opened = credentials_for_call(&s.server.state, &ws_id, &id)
        .await
        .expect("credentials");
    assert_eq!(
        opened.bearer().map(|t| t.expose_secret()),
        Some(auth.access_tokens()[0].as_str())
    );

    // The state is single use.
    let again = complete(s, &ws.owner, &ws, &redirect).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.error().contains("already used"), "{}", again.body);

    // The account and its services.
    let path = format!("/v1/connections/google/accounts/{id}");
    let account = call(s, &ws.owner, &ws, Method::GET, &path, None).await;
    assert_eq!(account.status, 200, "{}", account.body);
    assert_eq!(account.body["connection_id"], id.as_str());
    assert_eq!(account.body["email"], EMAIL);
    let service = |body: &Value, name: &str| {
        body["services"]
            .as_array()
            .expect("services")
            .iter()
            .find(|s| s["service"] == name)
            .cloned()
            .expect("listed")
    };
    assert_eq!(service(&account.body, "gmail")["enabled"], true);
    assert_eq!(service(&account.body, "gmail")["scopes"], json!([GMAIL]));
    assert_eq!(service(&account.body, "google-drive")["enabled"], false);
    assert_eq!(service(&account.body, "google-drive")["granted"], false);
    let granted = account.body["granted_scopes"].to_string();
    assert!(
        granted.contains(GMAIL) && !granted.contains(DRIVE),
        "{granted}"
    );

    let services = format!("{path}/services");
    let off = call(
        s,
        &ws.owner,
        &ws,
        Method::PATCH,
        &services,
        Some(json!({"services": {"gmail": false}})),
    )
    .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(service(&off.body, "gmail")["enabled"], false);
    assert_eq!(service(&off.body, "google-calendar")["enabled"], true);
    let on = call(
        s,
        &ws.owner,
        &ws,
        Method::PATCH,
        &services,
        Some(json!({"services": {"gmail": true}})),
    )
    .await;
    assert_eq!(service(&on.body, "gmail")["enabled"], true, "{}", on.body);
    // Drive's scope was not granted: reconnect with it.
    let drive = call(
        s,
        &ws.owner,
        &ws,
        Method::PATCH,
        &services,
        Some(json!({"services": {"google-drive": true, "gmail": false}})),
    )
    .await;
    assert_eq!(drive.status, 409, "{}", drive.body);
    assert!(
        drive.error().contains("reconnect") && drive.error().contains("google-drive"),
        "{}",
        drive.body
    );
    let unchanged = call(s, &ws.owner, &ws, Method::GET, &path, None).await;
    assert_eq!(
        service(&unchanged.body, "gmail")["enabled"],
        true,
        "a refusal changes nothing"
    );

    // Reconnect with Drive: the same connection, new tokens, Drive granted and enabled,
    // the enabled services asked for again and kept.
    auth.grant_scopes(&["openid", "email", GMAIL, CALENDAR, DRIVE]);
    auth.set_access_ttl(30);
    let reconnect = json!({"services": ["google-drive"], "connection_id": id});
    let (redirect, again) = consent(s, &ws, reconnect).await;
    let scope = query_of(again["url"].as_str().expect("url"))["scope"].clone();
    assert!(
        scope.contains(DRIVE) && scope.contains(GMAIL) && scope.contains(CALENDAR),
        "{scope}"
    );
    let re = complete(s, &ws.owner, &ws, &redirect).await;
    assert_eq!(re.status, 200, "{}", re.body);
    assert_eq!(re.body["id"], id.as_str());
    assert_eq!(re.body["display_name"], "Work Google");
    assert_eq!(
        re.body["oauth"]["account"]["services"],
        json!(["gmail", "google-calendar", "google-drive"])
    );
    // Its new token expires within the refresh margin: refreshed with the new refresh
    // token at once.
    let opened = credentials_for_call(&s.server.state, &ws_id, &id)
        .await
        .expect("credentials");
    assert_eq!(
        auth.grants().last().map(String::as_str),
        Some("refresh_token")
    );
    assert_eq!(
        opened.bearer().map(|t| t.expose_secret()),
        auth.access_tokens().last().map(String::as_str)
    );
    // Its refresh token revoked: needs re-authorization, and a reconnect makes it work.
    auth.revoke_all();
    let error = credentials_for_call(&s.server.state, &ws_id, &id)
        .await
        .expect_err("revoked");
    assert_eq!(error.status, 409, "{}", error.message);
    let (redirect, _) = consent(s, &ws, json!({"services": [], "connection_id": id})).await;
    // Consent given as another Google account: refused, the connection unchanged.
    auth.set_email(Some("intruder@example.test"));
    let wrong = complete(s, &ws.owner, &ws, &redirect).await;
    assert_eq!(wrong.status, 409, "{}", wrong.body);
    assert!(
        wrong.error().contains("intruder@example.test"),
        "{}",
        wrong.body
    );
    auth.set_email(None);
    let still_revoked = call(
        s,
        &ws.owner,
        &ws,
        Method::GET,
        &format!("/v1/connections/{id}"),
        None,
    )
    .await;
    assert_eq!(
        still_revoked.body["status"], "needs_reauth",
        "{}",
        still_revoked.body
    );
    auth.set_access_ttl(3600);
    let (redirect, _) = consent(s, &ws, json!({"services": [], "connection_id": id})).await;
    let re = complete(s, &ws.owner, &ws, &redirect).await;
    assert_eq!(re.status, 200, "{}", re.body);
    assert_eq!(re.body["status"], "active", "{}", re.body);
    let opened = credentials_for_call(&s.server.state, &ws_id, &id)
        .await
        .expect("reconnected");
    assert_eq!(
        opened.bearer().map(|t| t.expose_secret()),
        auth.access_tokens().last().map(String::as_str)
    );
    for (body, expected) in [
        (
            json!({"services": [], "connection_id": id, "display_name": "x"}),
            "`display_name`",
        ),
        (
            json!({"services": [], "connection_id": "no-such-connection"}),
            "not found",
        ),
    ] {
        let r = call(
            s,
            &ws.owner,
            &ws,
            Method::POST,
            "/v1/connections/google/oauth-url",
            Some(body.clone()),
        )
        .await;
        assert!(r.status == 400 || r.status == 404, "{body}: {}", r.body);
        assert!(r.error().contains(expected), "{body}: {}", r.body);
    }
    let unchanged = call(s, &ws.owner, &ws, Method::GET, &path, None).await;
    assert_eq!(
        service(&unchanged.body, "gmail")["enabled"],
        true,
        "a refusal changes nothing"
    );
    for (body, expected) in [
        (
            json!({"services": {"gmial": true}}),
            "unknown Google service",
        ),
        (json!({"services": {}}), "at least one"),
        (
            json!({"services": {"gmail": "yes"}}),
            "invalid request body",
        ),
        (json!({}), "services"),
    ] {
        let r = call(
            s,
            &ws.owner,
            &ws,
            Method::PATCH,
            &services,
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.error().contains(expected), "{body}: {}", r.body);
    }
    // The OAuth refresh keeps the account.
    auth.set_access_ttl(3600);
    let generic = call(
        s,
        &ws.owner,
        &ws,
        Method::GET,
        &format!("/v1/connections/{id}"),
        None,
    )
    .await;
    assert_eq!(generic.body["oauth"]["account"]["email"], EMAIL);

    // A connection that is not Google's has no account (404, as an unknown id).
    let (plain, _) = create(
        s,
        &ws,
        json!({"display_name": "Plain", "provider": "google", "auth_type": "token", "credentials": {"token": "t-plain-1"}}),
    )
    .await;
    let plain_id = plain.body["id"].as_str().expect("id");
    for id in [plain_id, "no-such-connection"] {
        let r = call(
            s,
            &ws.owner,
            &ws,
            Method::GET,
            &format!("/v1/connections/google/accounts/{id}"),
            None,
        )
        .await;
        assert_eq!(r.status, 404, "{}", r.body);
    }

    // Another workspace: its owner gets 404 for this account, and this workspace's state
    // is unknown there.
    let other = workspace(s, "g-other").await;
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"services": {"gmail": false}}))),
    ] {
        let target = if method == Method::GET {
            path.clone()
        } else {
            services.clone()
        };
        let r = call(s, &other.owner, &other, method, &target, body).await;
        assert_eq!(r.status, 404, "{}", r.body);
    }
    let (redirect, _) = consent(s, &ws, json!({"services": ["gmail"]})).await;
    let stolen = complete(s, &other.owner, &other, &redirect).await;
    assert_eq!(stolen.status, 400, "{}", stolen.body);
    assert!(stolen.error().contains("unknown"), "{}", stolen.body);
    let listed = call(
        s,
        &other.owner,
        &other,
        Method::GET,
        "/v1/connections",
        None,
    )
    .await;
    assert_eq!(listed.body["connections"], json!([]), "{}", listed.body);
    let r = call(
        s,
        &other.owner,
        &other,
        Method::POST,
        "/v1/connections/google/oauth-url",
        Some(json!({"services": ["gmail"], "connection_id": id})),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let still = call(s, &ws.owner, &ws, Method::GET, &path, None).await;
    assert_eq!(service(&still.body, "gmail")["enabled"], true);

    // A generic authorization's state does not complete here.
    let (generic_redirect, _) = authorize(&h, &ws, &auth, "Generic").await;
    let r = complete(s, &ws.owner, &ws, &generic_redirect).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.error().contains("google/oauth-url"), "{}", r.body);

    // The redirect may be this server's callback: it completes Google's way too.
    let (redirect, _) = consent(s, &ws, json!({"services": ["google-calendar"]})).await;
    assert!(redirect.starts_with(&format!("{}{}", s.base, "/v1/connections/oauth/callback")));
    let (status, text, _) = open_callback(&ws.owner, &redirect, true).await;
    assert_eq!(status, 201, "{text}");
    let via_callback: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(via_callback["provider"], "google");
    assert_eq!(via_callback["oauth"]["account"]["email"], EMAIL);

    // Bad requests.
    for (body, expected) in [
        (json!({"services": []}), "at least one"),
        (
            json!({"services": ["gmail", "sheets"]}),
            "unknown Google service `sheets`",
        ),
        (json!({}), "services"),
        (
            json!({"services": ["gmail"], "redirect_uri": "ftp://x/cb"}),
            "`redirect_uri`",
        ),
        (
            json!({"services": ["gmail"], "client_secret": "x"}),
            "unknown field",
        ),
    ] {
        let r = call(
            s,
            &ws.owner,
            &ws,
            Method::POST,
            "/v1/connections/google/oauth-url",
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.error().contains(expected), "{body}: {}", r.body);
    }
    for body in [json!({"state": "x"}), json!({"code": "", "state": "x"})] {
        let r = call(
            s,
            &ws.owner,
            &ws,
            Method::POST,
            "/v1/connections/google/complete",
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.error().contains("code"), "{body}: {}", r.body);
    }
    // A viewer reads the account but changes nothing.
    let viewer = viewer_of(s, &ws).await;
    let r = call(s, &viewer, &ws, Method::GET, &path, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(
        s,
        &viewer,
        &ws,
        Method::PATCH,
        &services,
        Some(json!({"services": {"gmail": false}})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // No token and no client secret in an answer, a log line or a raw row.
    let mut secrets = auth.all_tokens();
    secrets.push(CLIENT_SECRET.to_string());
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    h.assert_nowhere(&id, &refs).await;
    for answer in [
        &done.body,
        &account.body,
        &off.body,
        &config.body,
        &started,
        &via_callback,
    ] {
        let text = answer.to_string();
        for secret in &refs {
            assert!(!text.contains(secret), "{text}");
        }
    }
    h.s.close().await;
}

/// Google connect without a client configured: said so, and nothing starts.
async fn google_not_configured(backend: Backend) {
    let h = harness(backend).await;
    let s = &h.s;
    let ws = workspace(s, "g-off").await;
    let config = call(
        s,
        &ws.owner,
        &ws,
        Method::GET,
        "/v1/connections/google/config",
        None,
    )
    .await;
    assert_eq!(config.status, 200, "{}", config.body);
    assert_eq!(config.body["enabled"], false);
    let r = call(
        s,
        &ws.owner,
        &ws,
        Method::POST,
        "/v1/connections/google/oauth-url",
        Some(json!({"services": ["gmail"]})),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.error().contains("Google connect is not configured"),
        "{}",
        r.body
    );
    // WhatsApp: manual credentials work without the app; embedded signup does not.
    let config = call(
        s,
        &ws.owner,
        &ws,
        Method::GET,
        "/v1/connections/whatsapp/config",
        None,
    )
    .await;
    assert_eq!(config.body["enabled"], false, "{}", config.body);
    assert_eq!(config.body["manual"], true);
    let r = call(
        s,
        &ws.owner,
        &ws,
        Method::POST,
        "/v1/connections/whatsapp/complete",
        Some(json!({"code": "c"})),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.error().contains("not configured"), "{}", r.body);
    h.s.close().await;
}

fn whatsapp_settings(graph: &GraphServer) -> ar_server::Settings {
    let mut s = settings();
    let w = &mut s.connections.whatsapp;
    w.app_id = Some(APP_ID.into());
    w.app_secret = Some(APP_SECRET.into());
    w.config_id = Some("cfg-1".into());
    w.graph_url = graph.base.clone();
    s
}

async fn whatsapp_flow(backend: Backend) {
    let graph = GraphServer::start().await;
    let h = harness_with(backend, whatsapp_settings(&graph)).await;
    let s = &h.s;
    let ws = workspace(s, "wa-flow").await;
    let ws_id = workspace_id(s, &ws.slug).await;
    let post = |path: &'static str, body: Value| {
        let (s, ws) = (s, &ws);
        async move { call(s, &ws.owner, ws, Method::POST, path, Some(body)).await }
    };

    let config = call(
        s,
        &ws.owner,
        &ws,
        Method::GET,
        "/v1/connections/whatsapp/config",
        None,
    )
    .await;
    assert_eq!(config.status, 200, "{}", config.body);
    assert_eq!(config.body["enabled"], true);
    assert_eq!(config.body["app_id"], APP_ID);
    assert_eq!(config.body["config_id"], "cfg-1");

    // Manual credentials.
    let token = format!("EAAG-manual-{}", uuid::Uuid::now_v7().simple());
    let manual = post(
        "/v1/connections/whatsapp/manual",
        json!({"display_name": "Support line", "phone_number_id": PHONE_NUMBER_ID,
               "waba_id": WABA_ID, "access_token": token}),
    )
    .await;
    assert_eq!(manual.status, 201, "{}", manual.body);
    assert_eq!(manual.body["provider"], "whatsapp");
    assert_eq!(manual.body["display_name"], "Support line");
    assert_eq!(
        manual.body["credential_keys"],
        json!(["access_token", "business_account_id", "phone_number_id"])
    );
    assert_eq!(manual.body["whatsapp"]["phone_number_id"], PHONE_NUMBER_ID);
    assert_eq!(manual.body["whatsapp"]["business_account_id"], WABA_ID);
    let manual_id = manual.body["id"].as_str().expect("id").to_string();
    let opened = credentials_for_call(&s.server.state, &ws_id, &manual_id)
        .await
        .expect("credentials");
    assert_eq!(opened.values["access_token"].expose_secret(), token);
    assert_eq!(
        opened.values["business_account_id"].expose_secret(),
        WABA_ID
    );
    // `business_account_id` is accepted for `waba_id`.
    let alias = post(
        "/v1/connections/whatsapp/manual",
        json!({"phone_number_id": "1", "business_account_id": "2", "access_token": "EAAG-alias-1"}),
    )
    .await;
    assert_eq!(alias.status, 201, "{}", alias.body);
    assert_eq!(alias.body["display_name"], "WhatsApp Business");

    // Missing or malformed fields: 400 naming the field, never echoing the token.
    let full = json!({"phone_number_id": "1", "waba_id": "2", "access_token": "EAAG-bad-input-1"});
    let without = |field: &str| {
        let mut body = full.clone();
        body.as_object_mut().expect("object").remove(field);
        body
    };
    let with = |field: &str, value: Value| {
        let mut body = full.clone();
        body[field] = value;
        body
    };
    for (body, expected) in [
        (without("phone_number_id"), "`phone_number_id` is required"),
        (without("waba_id"), "`waba_id` is required"),
        (without("access_token"), "`access_token` is required"),
        (with("access_token", json!(12345)), "`access_token` must be"),
        (with("access_token", json!("  ")), "`access_token` must be"),
        (
            with("phone_number_id", json!("../../me")),
            "`phone_number_id` must be a Meta id",
        ),
        (with("waba_id", json!(7)), "`waba_id` must be a string"),
        (with("display_name", json!("")), "`display_name`"),
        (with("app_secret", json!("x")), "unknown field"),
    ] {
        let r = post("/v1/connections/whatsapp/manual", body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.error().contains(expected), "{body}: {}", r.body);
        assert!(
            !r.body.to_string().contains("EAAG-bad-input-1"),
            "{}",
            r.body
        );
        assert!(!r.body.to_string().contains("12345"), "{}", r.body);
    }

    // Embedded signup with the ids the dialog reported: only the code exchange.
    let signup = post(
        "/v1/connections/whatsapp/complete",
        json!({"code": graph.new_code(), "phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID}),
    )
    .await;
    assert_eq!(signup.status, 201, "{}", signup.body);
    assert_eq!(signup.body["provider"], "whatsapp");
    assert_eq!(graph.calls(), vec!["oauth/access_token"]);
    let signup_id = signup.body["id"].as_str().expect("id").to_string();
    let opened = credentials_for_call(&s.server.state, &ws_id, &signup_id)
        .await
        .expect("credentials");
    assert_eq!(
        opened.values["access_token"].expose_secret(),
        graph.tokens()[0]
    );

    // Without them: found at Meta (the token's account, its first number).
    let found = post(
        "/v1/connections/whatsapp/complete",
        json!({"code": graph.new_code(), "display_name": "Found"}),
    )
    .await;
    assert_eq!(found.status, 201, "{}", found.body);
    assert_eq!(found.body["whatsapp"]["business_account_id"], WABA_ID);
    assert_eq!(found.body["whatsapp"]["phone_number_id"], PHONE_NUMBER_ID);
    assert_eq!(
        graph.calls()[1..],
        [
            "oauth/access_token".to_string(),
            "debug_token".to_string(),
            format!("{WABA_ID}/phone_numbers")
        ]
    );

    // A code Meta refuses (here: already used), a missing code, a bad id.
    let code = graph.new_code();
    let first = post("/v1/connections/whatsapp/complete", json!({"code": code})).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let reused = post("/v1/connections/whatsapp/complete", json!({"code": code})).await;
    assert_eq!(reused.status, 400, "{}", reused.body);
    assert!(
        reused.error().contains("Invalid verification code"),
        "{}",
        reused.body
    );
    for (body, expected) in [
        (json!({}), "`code` is required"),
        (json!({"code": 5}), "`code` must be a string"),
        (
            json!({"code": "c", "waba_id": "a/b"}),
            "`waba_id` must be a Meta id",
        ),
    ] {
        let r = post("/v1/connections/whatsapp/complete", body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.error().contains(expected), "{body}: {}", r.body);
    }

    // Another workspace sees none of it.
    let other = workspace(s, "wa-other").await;
    let r = call(
        s,
        &other.owner,
        &other,
        Method::GET,
        &format!("/v1/connections/{manual_id}"),
        None,
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);

    // No token and no app secret in an answer, a log line or a raw row.
    let mut secrets = graph.tokens();
    secrets.push(token.clone());
    secrets.push(APP_SECRET.to_string());
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    h.assert_nowhere(&manual_id, &refs).await;
    let listed = call(s, &ws.owner, &ws, Method::GET, "/v1/connections", None).await;
    for answer in [
        &config.body,
        &manual.body,
        &signup.body,
        &found.body,
        &first.body,
        &listed.body,
    ] {
        let text = answer.to_string();
        for secret in &refs {
            assert!(!text.contains(secret), "{text}");
        }
    }
    h.s.close().await;
}

on_both!(google_flow);
on_both!(google_not_configured);
on_both!(whatsapp_flow);

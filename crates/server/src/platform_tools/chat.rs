//! `chat_get_thread`: a chat thread with its latest messages (docs/contract.md §12 `chat`
//! group), composed of the two REST reads a client would make, as the caller.

use axum::http::Method;
use serde_json::{Map, Value};

use super::dispatch::{Dispatcher, path_segment, query_string};
use super::{Caller, JsonObject, ToolOutcome};

/// The routes it reads (for the parity test).
pub const ROUTES: [(Method, &str); 2] = [
    (Method::GET, "/v1/chat/threads/{id}"),
    (Method::GET, "/v1/chat/threads/{id}/messages"),
];

/// How many of the newest messages come with the thread by default, and at most.
const DEFAULT_MESSAGES: usize = 50;
const MAX_MESSAGES: usize = 200;
/// The page of `GET …/messages` (its largest).
const PAGE: usize = 200;

pub async fn get_thread(
    dispatcher: &Dispatcher,
    caller: &Caller,
    arguments: &JsonObject,
) -> ToolOutcome {
    let Some(id) = arguments
        .get("thread_id")
        .and_then(Value::as_str)
        .and_then(path_segment)
    else {
        return ToolOutcome::refused(400, "`thread_id` is not a valid id");
    };
    let wanted = match arguments.get("limit").and_then(Value::as_u64) {
        None => DEFAULT_MESSAGES,
        Some(n @ 1..=200) => n as usize,
        Some(n) => {
            return ToolOutcome::refused(
                400,
                format!("`limit` must be between 1 and {MAX_MESSAGES}; found {n}"),
            );
        }
    };
    let project = arguments.get("project_id").and_then(Value::as_str);
    let thread = dispatcher
        .send(
            caller,
            Method::GET,
            &format!("/v1/chat/threads/{id}"),
            project,
            None,
        )
        .await;
    if thread.status != 200 {
        return thread.into_outcome();
    }
    // Messages come oldest first: page to the end, keeping the newest `wanted`.
    let mut latest: Vec<Value> = Vec::new();
    let mut after_seq = 0i64;
    loop {
        let query = query_string(&[
            ("after_seq", after_seq.to_string()),
            ("limit", PAGE.to_string()),
        ]);
        let page = dispatcher
            .send(
                caller,
                Method::GET,
                &format!("/v1/chat/threads/{id}/messages?{query}"),
                project,
                None,
            )
            .await;
        if page.status != 200 {
            return page.into_outcome();
        }
        if let Some(list) = page.body["messages"].as_array() {
            latest.extend(list.iter().cloned());
        }
        if latest.len() > wanted {
            latest.drain(..latest.len() - wanted);
        }
        match page.body["next_after_seq"].as_i64() {
            Some(next) if next > after_seq => after_seq = next,
            _ => break,
        }
    }
    let mut body = Map::new();
    body.insert("thread".into(), thread.body);
    body.insert("messages".into(), Value::Array(latest));
    ToolOutcome::ok(body)
}

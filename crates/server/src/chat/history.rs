//! A thread's recent messages as an agent's conversation (the `messages` input of its
//! `agent_call` step, docs/agents.md "Chat"): the agent's own replies are `assistant`
//! messages, everything else a `user` message prefixed with its author, so an agent in a
//! room can tell its members (and the other agents) apart.

use std::collections::HashMap;

use ar_executors::agent_call::{MAX_CONVERSATION_BYTES, MAX_CONVERSATION_MESSAGES};
use ar_store::integrations::ChatMessageRecord;
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::state::AppState;

/// The conversation `agent_id` answers: the messages of the thread up to and including
/// `upto_seq`, the newest [`MAX_CONVERSATION_MESSAGES`] within
/// [`MAX_CONVERSATION_BYTES`] of text, oldest first.
pub async fn conversation(
    state: &AppState,
    thread_id: &str,
    upto_seq: i64,
    agent_id: &str,
) -> ApiResult<Vec<Value>> {
    let window = MAX_CONVERSATION_MESSAGES as i64;
    let after = (upto_seq - window).max(0);
    let messages = state
        .integrations()
        .messages(thread_id, after, window)
        .await?;
    let mut names = HashMap::new();
    let mut out = Vec::with_capacity(messages.len());
    let mut bytes = 0;
    for m in messages.iter().rev().filter(|m| m.seq <= upto_seq) {
        if m.text.is_empty() {
            continue; // a failed reply says nothing
        }
        let entry = if m.author_kind == "agent" && m.author_id == agent_id {
            json!({"role": "assistant", "content": m.text})
        } else {
            let author = author_label(state, &mut names, m).await?;
            json!({"role": "user", "content": format!("{author}: {}", m.text)})
        };
        bytes += entry["content"].as_str().map_or(0, str::len);
        if bytes > MAX_CONVERSATION_BYTES && !out.is_empty() {
            break;
        }
        out.push(entry);
    }
    out.reverse();
    Ok(out)
}

/// How a message's author is named to the model: a member's display name (not their
/// email), `agent <id>`, or `autopilot`.
async fn author_label(
    state: &AppState,
    names: &mut HashMap<String, String>,
    m: &ChatMessageRecord,
) -> ApiResult<String> {
    match m.author_kind.as_str() {
        "user" => {
            if let Some(name) = names.get(&m.author_id) {
                return Ok(name.clone());
            }
            let user = state.tenants().user_by_id(&m.author_id).await?;
            let name = user
                .and_then(|u| u.name)
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "a member".to_owned());
            names.insert(m.author_id.clone(), name.clone());
            Ok(name)
        }
        "agent" => Ok(format!("agent {}", m.author_id)),
        other => Ok(other.to_owned()),
    }
}

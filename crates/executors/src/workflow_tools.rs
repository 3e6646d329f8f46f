//! An agent's `workflows_as_tools` as tools of its model (docs/agents.md "Workflows as
//! tools", docs/contract.md §13): their names, and the bound on calls waiting for their
//! runs on one node.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The longest tool name OpenAI and Anthropic accept (`^[a-zA-Z0-9_-]{1,64}$`).
pub const MAX_TOOL_NAME: usize = 64;

/// What every workflow tool's name starts with, so it cannot be taken for an MCP tool.
const PREFIX: &str = "workflow_";

/// What the model is told when no workflow call may wait on this node now.
pub const BUSY: &str = "busy: too many agent workflow calls in flight, try again later";

/// `workflow_` + `text` with every character a tool name may not hold replaced by `_`,
/// cut to [`MAX_TOOL_NAME`].
fn tool_name_of(text: &str) -> String {
    let mut name = String::from(PREFIX);
    name.extend(text.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            c
        } else {
            '_'
        }
    }));
    name.truncate(MAX_TOOL_NAME);
    name
}

/// The tool name of a workflow: `workflow_` + its sanitized name; when that is taken
/// (by an MCP tool or an earlier workflow of the list) `workflow_` + its sanitized id,
/// and when even that is taken, the id's name with a counter. `taken` holds the names in
/// use and receives the one chosen.
pub fn workflow_tool_name(name: &str, id: &str, taken: &mut HashSet<String>) -> String {
    let mut candidates = vec![tool_name_of(name), tool_name_of(id)];
    let base = tool_name_of(id);
    candidates.extend((2..).take(100).map(|n| {
        let suffix = format!("_{n}");
        let mut cut = base.clone();
        cut.truncate(MAX_TOOL_NAME - suffix.len());
        cut + &suffix
    }));
    let chosen = candidates
        .into_iter()
        .find(|c| !taken.contains(c))
        // More than 100 collisions cannot happen with at most 50 workflows per agent.
        .unwrap_or_else(|| tool_name_of(id));
    taken.insert(chosen.clone());
    chosen
}

/// The bound on workflow-tool calls waiting at once on one node.
///
/// A call waits for its child run inside an `agent_call` step, which holds one of the
/// engine's worker slots while the child run's steps need slots too. Were every slot
/// held by a waiting call, no child run could progress: a deadlock (a workflow reaching
/// itself through its agent would build one on its own). So at most half the node's
/// workers (at least one) may wait; a call beyond that does not wait for a slot but
/// answers the model [`BUSY`] at once. The other half stays free for child runs, and a
/// recursion ends once it holds every waiting slot, its deepest call answered "busy".
#[derive(Clone)]
pub struct WorkflowCallLimit {
    slots: Arc<Semaphore>,
}

impl WorkflowCallLimit {
    /// The limit for a node with `workers` engine workers.
    pub fn for_workers(workers: usize) -> WorkflowCallLimit {
        WorkflowCallLimit {
            slots: Arc::new(Semaphore::new((workers / 2).max(1))),
        }
    }

    /// A waiting slot, held until dropped; `None` when all are taken.
    pub fn try_acquire(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= MAX_TOOL_NAME
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    #[test]
    fn names_are_sanitized_and_cut_to_what_providers_accept() {
        let mut taken = HashSet::new();
        assert_eq!(
            workflow_tool_name("Send invoice (v2)", "w1", &mut taken),
            "workflow_Send_invoice__v2_"
        );
        let long = workflow_tool_name(&"é".repeat(100), "w2", &mut taken);
        assert_eq!(long.len(), MAX_TOOL_NAME);
        assert!(valid(&long), "{long}");
        let empty = workflow_tool_name("", "w3", &mut taken);
        assert_eq!(empty, "workflow_");
        assert!(valid(&empty));
    }

    #[test]
    fn a_taken_name_falls_back_to_the_id_then_a_counter() {
        let mut taken: HashSet<String> = ["workflow_report".to_owned()].into();
        let id = "0193a7c2-5e1f-7000-8000-0123456789ab";
        let second = workflow_tool_name("report", id, &mut taken);
        assert_eq!(second, format!("workflow_{id}"));
        let third = workflow_tool_name("report", id, &mut taken);
        assert_eq!(third, format!("workflow_{id}_2"));
        assert!(valid(&third));
        assert_eq!(taken.len(), 3);
    }

    #[test]
    fn at_most_half_the_workers_wait_and_a_freed_slot_is_reusable() {
        let limit = WorkflowCallLimit::for_workers(4);
        let a = limit.try_acquire().expect("first");
        let b = limit.try_acquire().expect("second");
        assert!(limit.try_acquire().is_none(), "4 workers: 2 may wait");
        drop(a);
        assert!(limit.try_acquire().is_some());
        drop(b);
        let one = WorkflowCallLimit::for_workers(1);
        let held = one.try_acquire().expect("at least one");
        assert!(one.try_acquire().is_none());
        drop(held);
    }
}

//! Whose connection a pooled connection is. The pool never lets two owners share one: a
//! stdio child or an HTTP session holds state and credentials of the workspace that
//! opened it.

/// The owner of pooled connections: a workspace (or no tenant at all, for the CLI and
/// runs outside any project), and whether the connection serves runs or the registry's
/// discovery. Discovery connections are separate from the runs' (discovery closes its
/// connection when done, which must not cut a run's call) but count toward the same
/// workspace's cap on stdio children.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Owner {
    workspace: Option<String>,
    discovery: bool,
}

impl Owner {
    /// The runs of workspace `id`.
    pub fn workspace(id: impl Into<String>) -> Owner {
        Owner {
            workspace: Some(id.into()),
            discovery: false,
        }
    }

    /// No tenant: the local runner, and runs that belong to no project (operator
    /// servers only).
    pub fn local() -> Owner {
        Owner {
            workspace: None,
            discovery: false,
        }
    }

    /// The same workspace's tool discovery and validation.
    pub fn for_discovery(self) -> Owner {
        Owner {
            discovery: true,
            ..self
        }
    }

    /// The workspace whose cap the owner's stdio children count toward.
    pub fn workspace_id(&self) -> Option<&str> {
        self.workspace.as_deref()
    }
}

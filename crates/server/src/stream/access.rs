//! An open stream's right to stay open. A stream is authorized once, at the handshake,
//! but may stay open for hours: every `StreamConfig::access_recheck` the connection asks
//! [`StreamAccess::check`] whether its caller may still read the workflow's runs, and
//! closes when they may not (token revoked or expired, session signed out or expired,
//! member deactivated or removed, project role lost). The check reads the database, so a
//! revocation made on another node closes the stream too.

use ar_model::authz::Action;
use ar_store::{StoreResult, now_ms};

use crate::auth::principal::Principal;
use crate::auth::standing::{Refusal, Subject, credential_holds, may};
use crate::state::AppState;

/// What an open stream was authorized with.
pub struct StreamAccess {
    state: AppState,
    principal: Principal,
    workspace_id: String,
    project_id: String,
    /// What the stream lets its caller keep doing: RunRead (run streams), ChatRead.
    action: Action,
}

impl StreamAccess {
    /// `principal` read runs of `project_id` in `workspace_id` when the stream opened.
    pub fn new(
        state: AppState,
        principal: Principal,
        workspace_id: String,
        project_id: String,
    ) -> StreamAccess {
        StreamAccess {
            state,
            principal,
            workspace_id,
            project_id,
            action: Action::RunRead,
        }
    }

    /// The same re-check for another project-scoped read (a chat thread's stream).
    pub fn for_action(mut self, action: Action) -> StreamAccess {
        self.action = action;
        self
    }

    /// `Ok(Ok(()))` while the stream may stay open; the refusal once it may not.
    pub async fn check(&self) -> StoreResult<Result<(), Refusal>> {
        if let Err(refusal) =
            credential_holds(&self.state, &self.principal.credential, now_ms()).await?
        {
            return Ok(Err(refusal));
        }
        let reader = Subject {
            workspace_id: &self.workspace_id,
            project_id: &self.project_id,
            user_id: &self.principal.user.id,
            token_scopes: self.principal.token_scopes(),
        };
        may(&self.state, &reader, self.action).await
    }
}

//! First start: with no user in the store, create the owner account, the `default`
//! workspace and its `Default` project.

use ar_store::now_ms;
use ar_store::tenant::UserRecord;

use crate::auth::password::check_new_password;
use crate::auth::tokens::{new_id, random_secret};
use crate::error::ApiError;
use crate::routes::identity::normalize_email;
use crate::routes::workspaces::create_workspace_for;
use crate::state::AppState;

/// Slug of the workspace created on first start.
pub const DEFAULT_WORKSPACE: &str = "default";

/// What the bootstrap created, to tell the operator once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrapped {
    pub email: String,
    /// Set when no `AR_ADMIN_PASSWORD` was given: print it once, it is not stored.
    pub generated_password: Option<String>,
}

/// Creates the owner, workspace and project if the store has no user yet.
pub async fn bootstrap(state: &AppState) -> Result<Option<Bootstrapped>, ApiError> {
    if state.tenants().count_users().await? > 0 {
        return Ok(None);
    }
    let settings = state.settings();
    let email = normalize_email(&settings.admin_email)?;
    let (password, generated) = match &settings.admin_password {
        Some(p) => {
            check_new_password(p)?;
            (p.clone(), None)
        }
        None => {
            let p = random_secret("")[..24].to_string();
            (p.clone(), Some(p))
        }
    };
    let user = UserRecord {
        id: new_id(),
        email: email.clone(),
        name: Some("Owner".into()),
        password_hash: Some(state.passwords().hash(&password).await?),
        created_at: now_ms(),
    };
    state.tenants().create_user(&user).await?;
    create_workspace_for(state, &user.id, DEFAULT_WORKSPACE, "Default").await?;
    Ok(Some(Bootstrapped {
        email,
        generated_password: generated,
    }))
}

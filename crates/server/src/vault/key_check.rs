//! Proof that a master key ring belongs with a database: it opens every workspace's data
//! key. `agentruntime admin backup` checks the copy it made, `admin restore` the copy it
//! is about to put in place (docs/operations.md "Backup and restore"): a database whose
//! key was lost or mixed up is found out then, not at the first secret a run needs.

use anyhow::Context;
use ar_connect::vault::{MasterKeyRing, WrappedDataKey};
use ar_store::integrations::IntegrationStore;

/// Unwraps every workspace data key of `integrations` with `ring` and returns how many
/// there are. The error names the workspace whose key does not open (never key material).
pub async fn open_all_data_keys(
    ring: &MasterKeyRing,
    integrations: &dyn IntegrationStore,
) -> anyhow::Result<usize> {
    // Every key is wrapped by some key other than "" (no key has an empty id).
    let keys = integrations
        .data_keys_not_wrapped_by("", i64::MAX)
        .await
        .context("cannot read the workspace data keys")?;
    for key in &keys {
        let wrapped: WrappedDataKey = serde_json::from_value(key.wrapped.clone())
            .with_context(|| format!("workspace {}: malformed data key", key.workspace_id))?;
        ring.unwrap_data_key(&key.workspace_id, &wrapped)
            .with_context(|| {
                format!(
                    "workspace {}: its data key does not open with this master key (wrapped by key {})",
                    key.workspace_id, key.master_key_id
                )
            })?;
    }
    Ok(keys.len())
}

//! Webhook signing secrets at rest. Verifying an HMAC needs the raw secret, so it cannot be
//! hashed like a PAT; instead it is sealed with the vault (`ar_connect::vault`): a data key
//! of its own, wrapped by the master key and bound to the workspace, seals the secret bound
//! to the workspace, the subscription and the field. A copied row does not open elsewhere,
//! and the database alone never reveals a secret.

use ar_connect::SecretString;
use ar_connect::vault::{Binding, SealedValue, WrappedDataKey, open, seal};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::master_key::VaultKeys;

/// The stored form (the `signing_secret_sealed` column).
#[derive(Serialize, Deserialize)]
struct Stored {
    data_key: WrappedDataKey,
    value: SealedValue,
}

fn binding<'a>(workspace_id: &'a str, webhook_id: &'a str) -> Binding<'a> {
    Binding {
        workspace_id,
        record_kind: "inbound_webhook",
        record_id: webhook_id,
        field: "signing_secret",
    }
}

/// Seals a new subscription's signing secret.
pub fn seal_secret(
    keys: &VaultKeys,
    workspace_id: &str,
    webhook_id: &str,
    secret: &str,
) -> ApiResult<Value> {
    let (data_key, wrapped) = keys
        .new_data_key(workspace_id)
        .map_err(ApiError::internal)?;
    let value =
        seal(&data_key, secret, &binding(workspace_id, webhook_id)).map_err(ApiError::internal)?;
    serde_json::to_value(Stored {
        data_key: wrapped,
        value,
    })
    .map_err(ApiError::internal)
}

/// Opens a subscription's signing secret. A failure (wrong master key, altered row) is an
/// internal error: it is logged without the secret, and the caller sees a plain 500.
pub fn open_secret(
    keys: &VaultKeys,
    workspace_id: &str,
    webhook_id: &str,
    stored: &Value,
) -> ApiResult<SecretString> {
    let stored: Stored = serde_json::from_value(stored.clone()).map_err(|e| {
        ApiError::internal(format!(
            "webhook {webhook_id}: sealed secret unreadable: {e}"
        ))
    })?;
    let data_key = keys
        .unwrap_data_key(workspace_id, &stored.data_key)
        .map_err(ApiError::internal)?;
    open(&data_key, &stored.value, &binding(workspace_id, webhook_id)).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ar_connect::vault::{MasterKey, MasterKeyRing};

    fn ring() -> VaultKeys {
        MasterKeyRing::new(MasterKey::generate().expect("key")).into()
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_webhook_and_key() {
        let keys = ring();
        let stored = seal_secret(&keys, "ws1", "hook1", "whsec_abc").expect("seal");
        assert!(
            !stored.to_string().contains("whsec_abc"),
            "the stored form never holds the secret in clear"
        );
        let opened = open_secret(&keys, "ws1", "hook1", &stored).expect("open");
        assert_eq!(opened.expose_secret(), "whsec_abc");
        assert!(open_secret(&keys, "ws1", "hook2", &stored).is_err());
        assert!(open_secret(&keys, "ws2", "hook1", &stored).is_err());
        assert!(open_secret(&ring(), "ws1", "hook1", &stored).is_err());
        assert!(open_secret(&keys, "ws1", "hook1", &serde_json::json!({})).is_err());
    }
}

//! Per-workspace data keys and their wrapping by the master key.
//!
//! A data key is generated once per workspace and is only ever persisted wrapped
//! (encrypted) by a master key, with the workspace id as associated data. Rotating the
//! master key re-wraps data keys; the values sealed under them do not change.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::VaultError;
use super::cipher::{self, KEY_LEN, KeyBytes, NONCE_LEN};
use super::encoding::{base64_array, base64_bytes};
use super::master_key::MasterKey;
use crate::secret::REDACTED;

/// Domain tag in the associated data of a wrapped data key (and its format version).
const WRAP_DOMAIN: &str = "agentruntime/vault/data-key/v1";

/// A workspace's unwrapped data key, held in memory only. Zeroed on drop; `Debug`
/// prints nothing of it.
#[derive(Clone)]
pub struct DataKey {
    key: KeyBytes,
}

impl DataKey {
    /// A new random data key (for a new workspace).
    pub fn generate() -> Result<Self, VaultError> {
        Ok(Self {
            key: cipher::random_key()?,
        })
    }

    pub(crate) fn key_bytes(&self) -> &KeyBytes {
        &self.key
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({REDACTED})")
    }
}

/// A data key encrypted by a master key: what the store persists per workspace.
///
/// `master_key_id` says which master key wrapped it, so a rotation can proceed
/// workspace by workspace while both the old and the new master key are loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedDataKey {
    /// [`MasterKey::key_id`] of the master key that wrapped this data key.
    pub master_key_id: String,
    /// The XChaCha20-Poly1305 nonce used for the wrapping.
    #[serde(with = "base64_array")]
    pub nonce: [u8; NONCE_LEN],
    /// The encrypted data key followed by its authentication tag.
    #[serde(with = "base64_bytes")]
    pub ciphertext: Vec<u8>,
}

/// Generates a data key for `workspace_id` and wraps it: the usual way to give a new
/// workspace its key. Persist the [`WrappedDataKey`]; keep the [`DataKey`] in memory.
pub fn new_data_key(
    master: &MasterKey,
    workspace_id: &str,
) -> Result<(DataKey, WrappedDataKey), VaultError> {
    let data_key = DataKey::generate()?;
    let wrapped = wrap_data_key(master, workspace_id, &data_key)?;
    Ok((data_key, wrapped))
}

/// Encrypts `data_key` under `master`, bound to `workspace_id`.
pub fn wrap_data_key(
    master: &MasterKey,
    workspace_id: &str,
    data_key: &DataKey,
) -> Result<WrappedDataKey, VaultError> {
    let aad = wrap_aad(master.key_id(), workspace_id);
    let (nonce, ciphertext) =
        cipher::encrypt(master.key_bytes(), &aad, data_key.key_bytes().as_slice())?;
    Ok(WrappedDataKey {
        master_key_id: master.key_id().to_owned(),
        nonce,
        ciphertext,
    })
}

/// Decrypts a wrapped data key. Fails when `master` is not the key that wrapped it,
/// when the wrapped key belongs to another workspace, or when it was altered.
pub fn unwrap_data_key(
    master: &MasterKey,
    workspace_id: &str,
    wrapped: &WrappedDataKey,
) -> Result<DataKey, VaultError> {
    if wrapped.master_key_id != master.key_id() {
        return Err(VaultError::UnknownMasterKey {
            workspace_id: workspace_id.to_owned(),
            key_id: wrapped.master_key_id.clone(),
            loaded: master.key_id().to_owned(),
        });
    }
    let aad = wrap_aad(master.key_id(), workspace_id);
    let plaintext = cipher::decrypt(
        master.key_bytes(),
        &aad,
        &wrapped.nonce,
        &wrapped.ciphertext,
    )
    .ok_or_else(|| VaultError::UnwrapFailed {
        workspace_id: workspace_id.to_owned(),
    })?;
    // Authenticated, so the length is what we wrote; checked anyway rather than trusted.
    if plaintext.len() != KEY_LEN {
        return Err(VaultError::UnwrapFailed {
            workspace_id: workspace_id.to_owned(),
        });
    }
    let mut key = KeyBytes::new([0u8; KEY_LEN]);
    key.copy_from_slice(&plaintext);
    Ok(DataKey { key })
}

/// Re-wraps a data key from `old_master` to `new_master` (master key rotation).
/// The data key itself, and so every value sealed under it, is unchanged.
pub fn rewrap(
    wrapped: &WrappedDataKey,
    workspace_id: &str,
    old_master: &MasterKey,
    new_master: &MasterKey,
) -> Result<WrappedDataKey, VaultError> {
    let data_key = unwrap_data_key(old_master, workspace_id, wrapped)?;
    wrap_data_key(new_master, workspace_id, &data_key)
}

fn wrap_aad(master_key_id: &str, workspace_id: &str) -> Vec<u8> {
    cipher::associated_data(&[WRAP_DOMAIN, master_key_id, workspace_id])
}

/// The master keys a process holds: the current one (which wraps new data keys) and,
/// during a rotation, retired ones that still unwrap data keys not yet re-wrapped.
///
/// Rotation without downtime: start every process with the new key as current and
/// the old one retired, re-wrap each workspace's data key (in any order, at any pace:
/// [`MasterKeyRing::rewrap_to_current`]), then drop the retired key.
#[derive(Clone, Debug)]
pub struct MasterKeyRing {
    current: MasterKey,
    retired: Vec<MasterKey>,
}

impl MasterKeyRing {
    /// A ring with only `current`.
    pub fn new(current: MasterKey) -> Self {
        Self {
            current,
            retired: Vec::new(),
        }
    }

    /// Adds a retired master key that is still accepted for unwrapping.
    pub fn with_retired(mut self, retired: MasterKey) -> Self {
        if retired.key_id() != self.current.key_id() {
            self.retired.push(retired);
        }
        self
    }

    /// The key that wraps new data keys.
    pub fn current(&self) -> &MasterKey {
        &self.current
    }

    /// Unwraps with whichever loaded key wrapped `wrapped`.
    pub fn unwrap_data_key(
        &self,
        workspace_id: &str,
        wrapped: &WrappedDataKey,
    ) -> Result<DataKey, VaultError> {
        let master = self
            .key_for(wrapped)
            .ok_or_else(|| VaultError::UnknownMasterKey {
                workspace_id: workspace_id.to_owned(),
                key_id: wrapped.master_key_id.clone(),
                loaded: self.loaded_ids(),
            })?;
        unwrap_data_key(master, workspace_id, wrapped)
    }

    /// Generates and wraps a data key for a new workspace under the current key.
    pub fn new_data_key(
        &self,
        workspace_id: &str,
    ) -> Result<(DataKey, WrappedDataKey), VaultError> {
        new_data_key(&self.current, workspace_id)
    }

    /// True when `wrapped` is not yet wrapped by the current key.
    pub fn needs_rewrap(&self, wrapped: &WrappedDataKey) -> bool {
        wrapped.master_key_id != self.current.key_id()
    }

    /// Re-wraps `wrapped` under the current key; `None` when it already is.
    pub fn rewrap_to_current(
        &self,
        workspace_id: &str,
        wrapped: &WrappedDataKey,
    ) -> Result<Option<WrappedDataKey>, VaultError> {
        if !self.needs_rewrap(wrapped) {
            return Ok(None);
        }
        let data_key = self.unwrap_data_key(workspace_id, wrapped)?;
        wrap_data_key(&self.current, workspace_id, &data_key).map(Some)
    }

    /// Every key: the current one first, then the retired ones.
    pub fn keys(&self) -> impl Iterator<Item = &MasterKey> {
        std::iter::once(&self.current).chain(&self.retired)
    }

    /// The retired keys.
    pub fn retired(&self) -> &[MasterKey] {
        &self.retired
    }

    /// The same ring without the retired keys (after a rotation has re-wrapped everything).
    pub fn without_retired(&self) -> Self {
        Self::new(self.current.clone())
    }

    /// True when `key_id` is one of the loaded keys.
    pub fn holds(&self, key_id: &str) -> bool {
        self.keys().any(|key| key.key_id() == key_id)
    }

    fn key_for(&self, wrapped: &WrappedDataKey) -> Option<&MasterKey> {
        std::iter::once(&self.current)
            .chain(&self.retired)
            .find(|key| key.key_id() == wrapped.master_key_id)
    }

    fn loaded_ids(&self) -> String {
        std::iter::once(&self.current)
            .chain(&self.retired)
            .map(MasterKey::key_id)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

//! Sealing values (connection credentials, workspace secrets) under a workspace's
//! data key, bound to the exact record and field they belong to.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::VaultError;
use super::cipher::{self, NONCE_LEN};
use super::data_key::DataKey;
use super::encoding::{base64_array, base64_bytes};
use crate::secret::SecretString;

/// Domain tag in the associated data of a sealed value (and its format version).
const SEAL_DOMAIN: &str = "agentruntime/vault/value/v1";

/// Format version byte of [`SealedValue::to_bytes`].
const FORMAT_V1: u8 = 1;

/// Where a sealed value lives. It is authenticated with the ciphertext, so a value
/// copied to another workspace, record or field does not open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding<'a> {
    /// The tenant/workspace that owns the value.
    pub workspace_id: &'a str,
    /// The kind of record, e.g. `"connection"`, `"vault_secret"`, `"llm_provider_key"`.
    pub record_kind: &'a str,
    /// The record's id.
    pub record_id: &'a str,
    /// The field within the record, e.g. `"credentials"` or `"api_key"`.
    pub field: &'a str,
}

impl Binding<'_> {
    fn associated_data(&self) -> Vec<u8> {
        cipher::associated_data(&[
            SEAL_DOMAIN,
            self.workspace_id,
            self.record_kind,
            self.record_id,
            self.field,
        ])
    }
}

impl fmt::Display for Binding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} field {} in workspace {}",
            self.record_kind, self.record_id, self.field, self.workspace_id
        )
    }
}

/// An encrypted value as the store persists it: a random nonce and the ciphertext
/// with its tag. Persist it either as its fields, as [`SealedValue::to_bytes`] in a
/// binary column, or through serde (base64 strings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedValue {
    /// The XChaCha20-Poly1305 nonce.
    #[serde(with = "base64_array")]
    pub nonce: [u8; NONCE_LEN],
    /// The encrypted value followed by its authentication tag.
    #[serde(with = "base64_bytes")]
    pub ciphertext: Vec<u8>,
}

impl SealedValue {
    /// One self-describing byte string: a version byte, the nonce, the ciphertext.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(1 + NONCE_LEN + self.ciphertext.len());
        bytes.push(FORMAT_V1);
        bytes.extend_from_slice(&self.nonce);
        bytes.extend_from_slice(&self.ciphertext);
        bytes
    }

    /// Parses [`SealedValue::to_bytes`] output.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        let malformed = |reason: &str| VaultError::Malformed {
            reason: reason.to_owned(),
        };
        let (&version, rest) = bytes
            .split_first()
            .ok_or_else(|| malformed("it is empty"))?;
        if version != FORMAT_V1 {
            return Err(VaultError::Malformed {
                reason: format!("unknown format version {version}"),
            });
        }
        let (nonce, ciphertext) = rest
            .split_first_chunk::<NONCE_LEN>()
            .ok_or_else(|| malformed("it is shorter than a nonce"))?;
        Ok(Self {
            nonce: *nonce,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// Encrypts `plaintext` under the workspace's data key, bound to `binding`.
pub fn seal(
    data_key: &DataKey,
    plaintext: &str,
    binding: &Binding<'_>,
) -> Result<SealedValue, VaultError> {
    let (nonce, ciphertext) = cipher::encrypt(
        data_key.key_bytes(),
        &binding.associated_data(),
        plaintext.as_bytes(),
    )?;
    Ok(SealedValue { nonce, ciphertext })
}

/// Decrypts a value sealed by [`seal`] with the same data key and binding.
pub fn open(
    data_key: &DataKey,
    sealed: &SealedValue,
    binding: &Binding<'_>,
) -> Result<SecretString, VaultError> {
    let open_failed = || VaultError::OpenFailed {
        binding: binding.to_string(),
    };
    let plaintext = cipher::decrypt(
        data_key.key_bytes(),
        &binding.associated_data(),
        &sealed.nonce,
        &sealed.ciphertext,
    )
    .ok_or_else(open_failed)?;
    // `seal` only takes `&str`, so authenticated plaintext is always UTF-8.
    let text = std::str::from_utf8(&plaintext).map_err(|_| open_failed())?;
    Ok(SecretString::from(text))
}

//! The vault: envelope encryption of secrets at rest.
//!
//! - A [`MasterKey`] (file or environment, never in the database) wraps
//! - one [`DataKey`] per workspace (persisted only as a [`WrappedDataKey`], bound to
//!   the workspace id), which seals
//! - each secret value ([`SealedValue`]), bound by associated data to its workspace,
//!   record and field ([`Binding`]), so a ciphertext copied elsewhere does not open.
//!
//! Decrypted values come back as [`SecretString`](crate::SecretString). The AEAD is
//! XChaCha20-Poly1305; see `docs/vault.md` for why, and for the rotation procedure.
//! Nothing here touches the database: the store persists the data types.

mod cipher;
mod data_key;
mod encoding;
mod master_key;
mod sealed;

use std::path::PathBuf;

pub use cipher::{KEY_LEN, NONCE_LEN};
pub use data_key::{
    DataKey, MasterKeyRing, WrappedDataKey, new_data_key, rewrap, unwrap_data_key, wrap_data_key,
};
pub use master_key::{MASTER_KEY_ENV, MasterKey, load_ring_file, ring_from_text, write_ring_file};
pub use sealed::{Binding, SealedValue, open, seal};

/// Everything that can go wrong in the vault. Messages name the file, variable,
/// workspace or record involved and never contain key material or secret values.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The key file grants permissions to group or others.
    #[error(
        "master key file {} has mode {mode:03o}, so group or others can access it; \
         refusing to use it. Restrict it with `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    InsecureKeyFile {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file could not be read or created.
    #[error("master key file {}: {source}", path.display())]
    KeyFileIo {
        /// The key file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The environment variable holding the master key is not set.
    #[error("environment variable {name} is not set; it should hold a base64 master key")]
    MissingEnv {
        /// The variable's name.
        name: String,
    },
    /// The master key text is not 32 bytes of base64.
    #[error("master key from {origin} is invalid: {reason}")]
    InvalidMasterKey {
        /// Where the key came from (file path or variable name).
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The data key was wrapped by a master key that is not loaded.
    #[error(
        "the data key of workspace {workspace_id} is wrapped by master key {key_id}, \
         but the loaded master key(s) are {loaded}; load the master key it was wrapped \
         with (as the current or a retired key)"
    )]
    UnknownMasterKey {
        /// The workspace whose data key was being unwrapped.
        workspace_id: String,
        /// The key id recorded in the wrapped data key.
        key_id: String,
        /// Key ids of the loaded master keys.
        loaded: String,
    },
    /// The wrapped data key failed authentication.
    #[error(
        "the data key of workspace {workspace_id} does not unwrap: it belongs to another \
         workspace or was altered"
    )]
    UnwrapFailed {
        /// The workspace whose data key was being unwrapped.
        workspace_id: String,
    },
    /// A sealed value failed authentication.
    #[error(
        "the sealed value of {binding} does not open: it was sealed for another record, \
         field or workspace, was altered, or the workspace's data key is not the one \
         that sealed it"
    )]
    OpenFailed {
        /// Description of the binding the caller asked for.
        binding: String,
    },
    /// Persisted bytes are not a sealed value.
    #[error("sealed value is malformed: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: String,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// The AEAD refused to encrypt (cannot happen for sane input sizes).
    #[error("encryption failed")]
    Encrypt,
}

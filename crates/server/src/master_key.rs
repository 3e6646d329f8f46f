//! Where this deployment's vault master key comes from.
//!
//! The master key wraps every workspace's data key (see `ar_connect::vault`) and never
//! touches the database. It is read from `AR_MASTER_KEY` (base64) when that variable is
//! set, else from `<data_dir>/master.key`:
//!
//! - embedded (SQLite): the file is created with mode 0600 on first start;
//! - PostgreSQL: the file is never created. Every node of a shared database must seal
//!   and open secrets with the same key, and a node that silently generated its own would
//!   seal secrets no other node can open. The operator provides the key once, to every
//!   node.
//!
//! An existing key file that group or others can access, or that cannot be read, stops
//! the start with a message naming the file. The key itself is never logged; its public
//! fingerprint (key id) is.
//!
//! Rotation (`agentruntime admin rotate-master-key`, docs/vault.md): the key file holds
//! one base64 key per line, the current key first, then retired keys still accepted for
//! unwrapping; with the environment, `AR_MASTER_KEY` is the current key and
//! `AR_MASTER_KEY_RETIRED` the retired ones (separated by commas or white space). A running
//! server that meets a data key wrapped by a key it does not hold re-reads its key source
//! once ([`VaultKeys`]), so nodes pick up a rotation done by another process on their own.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ar_connect::vault::{
    DataKey, MASTER_KEY_ENV, MasterKey, MasterKeyRing, VaultError, WrappedDataKey, load_ring_file,
};

/// The variable holding retired master keys during a rotation (environment deployments).
pub const RETIRED_KEYS_ENV: &str = "AR_MASTER_KEY_RETIRED";

use crate::settings::Settings;

/// The key file's name inside `data_dir`.
pub const KEY_FILE: &str = "master.key";

/// Where the loaded key came from (for the startup log line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The `AR_MASTER_KEY` environment variable.
    Environment,
    /// An existing key file.
    File(PathBuf),
    /// A key file created by this start.
    CreatedFile(PathBuf),
}

/// The loaded key ring and its origin.
#[derive(Debug)]
pub struct LoadedKey {
    pub ring: MasterKeyRing,
    pub key_id: String,
    pub source: KeySource,
}

/// Why no master key could be loaded. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(
        "no master key: with a PostgreSQL database every node must use the same master key, \
         so none is generated. Set AR_MASTER_KEY to 32 random bytes in base64 (e.g. the \
         output of `openssl rand -base64 32`) on every node, or put that text in {}",
        path.display()
    )]
    SharedDatabaseNeedsKey { path: PathBuf },
}

/// Loads the master key for `settings`, reading `AR_MASTER_KEY` through `env`.
pub fn load(
    settings: &Settings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<LoadedKey, MasterKeyError> {
    let path = key_file(settings);
    let (ring, source) = match env(MASTER_KEY_ENV) {
        Some(text) => {
            let current =
                MasterKey::from_base64(&text, &format!("environment variable {MASTER_KEY_ENV}"))?;
            let mut ring = MasterKeyRing::new(current);
            for (n, retired) in env(RETIRED_KEYS_ENV)
                .unwrap_or_default()
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|part| !part.is_empty())
                .enumerate()
            {
                let origin = format!("environment variable {RETIRED_KEYS_ENV}, key {}", n + 1);
                ring = ring.with_retired(MasterKey::from_base64(retired, &origin)?);
            }
            (ring, KeySource::Environment)
        }
        None if path.exists() => (load_ring_file(&path)?, KeySource::File(path)),
        None if settings.database_url.is_some() => {
            return Err(MasterKeyError::SharedDatabaseNeedsKey { path });
        }
        None => {
            let (key, source) = create(&path)?;
            (MasterKeyRing::new(key), source)
        }
    };
    Ok(LoadedKey {
        key_id: ring.current().key_id().to_owned(),
        ring,
        source,
    })
}

/// Where the key file of `settings` is (whether or not it is used).
pub fn key_file(settings: &Settings) -> PathBuf {
    settings.data_dir.join(KEY_FILE)
}

/// Re-reads the key source (the same rule as at start).
type Reload = dyn Fn() -> Result<MasterKeyRing, MasterKeyError> + Send + Sync;

/// The master keys a running server holds, shared by everything that unwraps data keys.
///
/// When a data key names a master key the ring does not hold, the key source is read again
/// once and the data key retried: after `agentruntime admin rotate-master-key` rewrote the
/// key file and re-wrapped the data keys, running nodes pick up the new key by themselves.
/// Cheap to clone.
#[derive(Clone)]
pub struct VaultKeys {
    ring: Arc<RwLock<MasterKeyRing>>,
    reload: Option<Arc<Reload>>,
}

impl std::fmt::Debug for VaultKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultKeys")
            .field("ring", &self.ring())
            .field("reloads", &self.reload.is_some())
            .finish()
    }
}

impl From<MasterKeyRing> for VaultKeys {
    /// A fixed ring (tests, embedding): never reloaded.
    fn from(ring: MasterKeyRing) -> VaultKeys {
        VaultKeys {
            ring: Arc::new(RwLock::new(ring)),
            reload: None,
        }
    }
}

impl VaultKeys {
    /// `ring`, re-read with `reload` when a data key names a key it does not hold.
    pub fn reloadable(
        ring: MasterKeyRing,
        reload: impl Fn() -> Result<MasterKeyRing, MasterKeyError> + Send + Sync + 'static,
    ) -> VaultKeys {
        VaultKeys {
            ring: Arc::new(RwLock::new(ring)),
            reload: Some(Arc::new(reload)),
        }
    }

    /// The keys of `settings` ([`load`]), reloaded from the same source on demand.
    pub fn load(settings: &Settings) -> Result<(VaultKeys, LoadedKey), MasterKeyError> {
        let loaded = load(settings, |name| std::env::var(name).ok())?;
        let settings = settings.clone();
        let keys = VaultKeys::reloadable(loaded.ring.clone(), move || {
            load(&settings, |name| std::env::var(name).ok()).map(|k| k.ring)
        });
        Ok((keys, loaded))
    }

    /// A snapshot of the keys held now.
    pub fn ring(&self) -> MasterKeyRing {
        self.ring.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Unwraps `wrapped`; if it names a key this ring does not hold, re-reads the key
    /// source once and tries again.
    pub fn unwrap_data_key(
        &self,
        workspace_id: &str,
        wrapped: &WrappedDataKey,
    ) -> Result<DataKey, VaultError> {
        let ring = self.ring();
        match ring.unwrap_data_key(workspace_id, wrapped) {
            Err(VaultError::UnknownMasterKey { .. }) if self.reload() => {
                self.ring().unwrap_data_key(workspace_id, wrapped)
            }
            other => other,
        }
    }

    /// A new data key wrapped by the current key. The key source is re-read first (a new
    /// data key is rare: a workspace's first secret, a new webhook), so a node that has not
    /// met a rotated key yet does not wrap new data keys with a key being retired.
    pub fn new_data_key(
        &self,
        workspace_id: &str,
    ) -> Result<(DataKey, WrappedDataKey), VaultError> {
        self.reload();
        self.ring().new_data_key(workspace_id)
    }

    /// Re-reads the key source; true if the ring changed. A failed read keeps the ring
    /// (logged without key material).
    pub fn reload(&self) -> bool {
        let Some(reload) = &self.reload else {
            return false;
        };
        match reload() {
            Ok(fresh) => {
                let ids = |r: &MasterKeyRing| -> Vec<String> {
                    r.keys().map(|k| k.key_id().to_owned()).collect()
                };
                let mut held = self.ring.write().unwrap_or_else(|e| e.into_inner());
                let changed = ids(&held) != ids(&fresh);
                if changed {
                    tracing::info!(key_ids = ?ids(&fresh), "vault master keys reloaded");
                    *held = fresh;
                }
                changed
            }
            Err(error) => {
                tracing::warn!(%error, "vault master keys could not be reloaded");
                false
            }
        }
    }
}

/// First start of an embedded deployment: generate the key file (mode 0600). If another
/// process created it in the meantime, that key is used.
fn create(path: &Path) -> Result<(MasterKey, KeySource), VaultError> {
    let key = MasterKey::load_or_create_file(path)?;
    Ok((key, KeySource::CreatedFile(path.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_in(dir: &Path) -> Settings {
        Settings {
            data_dir: dir.to_owned(),
            ..Settings::default()
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
    }

    #[test]
    fn first_start_creates_a_private_key_file_and_restarts_reuse_it() {
        let dir = tempfile::tempdir().expect("dir");
        let settings = settings_in(&dir.path().join("data"));
        let first = load(&settings, no_env).expect("created");
        let path = settings.data_dir.join(KEY_FILE);
        assert_eq!(first.source, KeySource::CreatedFile(path.clone()));
        #[cfg(unix)]
        {
            assert_eq!(mode(&path), 0o600);
        }
        let again = load(&settings, no_env).expect("reused");
        assert_eq!(again.source, KeySource::File(path));
        assert_eq!(again.key_id, first.key_id);
        assert_eq!(again.ring.current().key_id(), first.key_id);
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let settings = settings_in(dir.path());
        load(&settings, no_env).expect("created");
        let path = dir.path().join(KEY_FILE);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let error = load(&settings, no_env).expect_err("refused").to_string();
        assert!(error.contains("mode 644"), "{error}");
        assert!(error.contains(&path.display().to_string()), "{error}");
    }

    #[test]
    fn an_unreadable_key_file_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        // A private directory where the file should be: it passes the permission check
        // and opens, but cannot be read as text (unlike mode 000, this holds for root).
        let path = dir.path().join(KEY_FILE);
        std::fs::create_dir(&path).expect("mkdir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        }
        let error = load(&settings_in(dir.path()), no_env)
            .expect_err("refused")
            .to_string();
        assert!(error.contains(KEY_FILE), "{error}");
        assert!(
            !error.contains("mode"),
            "refused for reading, not mode: {error}"
        );
    }

    #[test]
    fn the_environment_wins_and_no_file_is_written() {
        let dir = tempfile::tempdir().expect("dir");
        let key = MasterKey::generate().expect("key");
        let text = key.to_base64().expose_secret().to_owned();
        let env = |name: &str| (name == MASTER_KEY_ENV).then(|| text.clone());
        let loaded = load(&settings_in(dir.path()), env).expect("from env");
        assert_eq!(loaded.source, KeySource::Environment);
        assert_eq!(loaded.key_id, key.key_id());
        assert!(!dir.path().join(KEY_FILE).exists());
    }

    #[test]
    fn a_bad_environment_value_is_an_error_not_a_fallback() {
        let dir = tempfile::tempdir().expect("dir");
        let env = |_: &str| Some("not-base64!".to_owned());
        let error = load(&settings_in(dir.path()), env)
            .expect_err("refused")
            .to_string();
        assert!(error.contains(MASTER_KEY_ENV), "{error}");
        assert!(!error.contains("not-base64!"), "echoed the value: {error}");
        assert!(!dir.path().join(KEY_FILE).exists());
    }

    #[test]
    fn a_shared_database_never_generates_a_key() {
        let dir = tempfile::tempdir().expect("dir");
        let settings = Settings {
            database_url: Some("postgres://db.example/ar".into()),
            ..settings_in(dir.path())
        };
        let error = load(&settings, no_env).expect_err("refused").to_string();
        assert!(error.contains(MASTER_KEY_ENV), "{error}");
        assert!(!dir.path().join(KEY_FILE).exists());
    }
}

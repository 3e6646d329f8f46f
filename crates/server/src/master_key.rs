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

use std::path::{Path, PathBuf};

use ar_connect::vault::{MASTER_KEY_ENV, MasterKey, MasterKeyRing, VaultError};

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
    let path = settings.data_dir.join(KEY_FILE);
    let (key, source) = match env(MASTER_KEY_ENV) {
        Some(text) => (
            MasterKey::from_base64(&text, &format!("environment variable {MASTER_KEY_ENV}"))?,
            KeySource::Environment,
        ),
        None if path.exists() => (MasterKey::load_file(&path)?, KeySource::File(path)),
        None if settings.database_url.is_some() => {
            return Err(MasterKeyError::SharedDatabaseNeedsKey { path });
        }
        None => create(&path)?,
    };
    Ok(LoadedKey {
        key_id: key.key_id().to_owned(),
        ring: MasterKeyRing::new(key),
        source,
    })
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

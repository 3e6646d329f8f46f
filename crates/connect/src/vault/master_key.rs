//! The master key: the one key that never touches the database. It wraps every
//! workspace's data key. Loaded from a file in the data directory (created on first
//! use with mode 0600) or from an environment variable, both holding base64 text.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::VaultError;
use super::cipher::{KEY_LEN, KeyBytes, random_key};
use super::data_key::MasterKeyRing;
use crate::secret::{REDACTED, SecretString};

/// The environment variable the master key is read from when no file is used.
pub const MASTER_KEY_ENV: &str = "AR_MASTER_KEY";

/// A 32-byte master key with its public key id.
///
/// The key id is a fingerprint (the first 8 bytes of a domain-separated SHA-256 of the
/// key, in hex). It is stored next to every wrapped data key so that, during a
/// rotation, the right one of several loaded master keys is picked without trial
/// decryption. It reveals nothing usable about the key.
///
/// `Debug` prints only the key id; the key bytes are zeroed on drop.
#[derive(Clone)]
pub struct MasterKey {
    key: KeyBytes,
    key_id: String,
}

impl MasterKey {
    /// A new random master key.
    pub fn generate() -> Result<Self, VaultError> {
        Ok(Self::from_key_bytes(random_key()?))
    }

    /// A master key from raw bytes (e.g. from a KMS). The array is consumed.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self::from_key_bytes(Zeroizing::new(bytes))
    }

    /// Parses base64 text (standard alphabet, surrounding whitespace ignored).
    /// `origin` names where the text came from, for the error message only.
    pub fn from_base64(text: &str, origin: &str) -> Result<Self, VaultError> {
        let invalid = |reason: String| VaultError::InvalidMasterKey {
            origin: origin.to_owned(),
            reason,
        };
        // The decode error is not forwarded: it quotes offending input bytes.
        let decoded = Zeroizing::new(
            BASE64
                .decode(text.trim())
                .map_err(|_| invalid("it is not valid base64".to_owned()))?,
        );
        if decoded.len() != KEY_LEN {
            return Err(invalid(format!(
                "it decodes to {} bytes, a master key is {KEY_LEN} bytes",
                decoded.len()
            )));
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&decoded);
        Ok(Self::from_key_bytes(key))
    }

    /// Reads the key from the environment variable `name` (see [`MASTER_KEY_ENV`]).
    pub fn from_env(name: &str) -> Result<Self, VaultError> {
        let value = Zeroizing::new(std::env::var(name).map_err(|_| VaultError::MissingEnv {
            name: name.to_owned(),
        })?);
        Self::from_base64(&value, &format!("environment variable {name}"))
    }

    /// The server's startup rule: the environment variable [`MASTER_KEY_ENV`] when it
    /// is set (an invalid value is an error, not a fallback), else the key file at
    /// `path`, created on first use.
    pub fn from_env_or_file(path: &Path) -> Result<Self, VaultError> {
        match std::env::var_os(MASTER_KEY_ENV) {
            Some(_) => Self::from_env(MASTER_KEY_ENV),
            None => Self::load_or_create_file(path),
        }
    }

    /// Reads the key from `path`, refusing a file that group or others may access.
    pub fn load_file(path: &Path) -> Result<Self, VaultError> {
        let io_error = |source| VaultError::KeyFileIo {
            path: path.to_owned(),
            source,
        };
        let mut file = fs::File::open(path).map_err(io_error)?;
        check_private(path, &file)?;
        let mut text = Zeroizing::new(String::new());
        file.read_to_string(&mut text).map_err(io_error)?;
        Self::from_base64(&text, &format!("file {}", path.display()))
    }

    /// Reads the key from `path`, or, when the file does not exist, generates a key
    /// and writes it there with mode 0600 (creating missing parent directories).
    /// Two processes racing to create it end up using the same key.
    pub fn load_or_create_file(path: &Path) -> Result<Self, VaultError> {
        if path.exists() {
            return Self::load_file(path);
        }
        let key = Self::generate()?;
        match write_new_private_file(path, key.to_base64().expose_secret()) {
            Ok(()) => Ok(key),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => Self::load_file(path),
            Err(source) => Err(VaultError::KeyFileIo {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// The key as base64 text, for writing a key file or handing a new key to an
    /// operator (e.g. by a key-generation command).
    pub fn to_base64(&self) -> SecretString {
        SecretString::new(BASE64.encode(self.key.as_slice()))
    }

    /// The public fingerprint of this key, stored in every data key it wraps.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub(crate) fn key_bytes(&self) -> &KeyBytes {
        &self.key
    }

    fn from_key_bytes(key: KeyBytes) -> Self {
        let digest = Sha256::new()
            .chain_update(b"agentruntime vault master key id v1\0")
            .chain_update(key.as_slice())
            .finalize();
        let key_id = hex_prefix(&digest[..8]);
        Self { key, key_id }
    }
}

/// A key ring as text: one base64 key per line, the current key first, then retired keys
/// still accepted for unwrapping (what `agentruntime admin rotate-master-key` writes).
/// Blank lines and lines starting with `#` are ignored.
pub fn ring_from_text(text: &str, origin: &str) -> Result<MasterKeyRing, VaultError> {
    let mut keys = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .enumerate()
        .map(|(n, line)| MasterKey::from_base64(line, &format!("{origin}, key {}", n + 1)));
    let current = match keys.next() {
        Some(key) => key?,
        None => MasterKey::from_base64("", origin)?,
    };
    let mut ring = MasterKeyRing::new(current);
    for key in keys {
        ring = ring.with_retired(key?);
    }
    Ok(ring)
}

/// Reads a key ring file ([`ring_from_text`]), refusing a file that group or others may
/// access. A file holding one key (the usual case) gives a ring without retired keys.
pub fn load_ring_file(path: &Path) -> Result<MasterKeyRing, VaultError> {
    let io_error = |source| VaultError::KeyFileIo {
        path: path.to_owned(),
        source,
    };
    let mut file = fs::File::open(path).map_err(io_error)?;
    check_private(path, &file)?;
    let mut text = Zeroizing::new(String::new());
    file.read_to_string(&mut text).map_err(io_error)?;
    ring_from_text(&text, &format!("file {}", path.display()))
}

/// Replaces the key file at `path` with `ring` (current key first), atomically: the keys
/// are written to a private (0600) file beside it, synced, then renamed over it, so a
/// process reading the file sees the old ring or the new one, never a partial file.
pub fn write_ring_file(path: &Path, ring: &MasterKeyRing) -> Result<(), VaultError> {
    let io_error = |source| VaultError::KeyFileIo {
        path: path.to_owned(),
        source,
    };
    let mut text = Zeroizing::new(String::new());
    for key in ring.keys() {
        text.push_str(key.to_base64().expose_secret());
        text.push('\n');
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "master.key".to_owned());
    let temp = path.with_file_name(format!(".{name}.new"));
    let _ = fs::remove_file(&temp);
    write_new_private_file(&temp, text.trim_end()).map_err(io_error)?;
    fs::rename(&temp, path).map_err(io_error)
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("key_id", &self.key_id)
            .field("key", &REDACTED)
            .finish()
    }
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Creates `path` (which must not exist) readable by its owner only and writes `text`.
fn write_new_private_file(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        fs::create_dir_all(parent)?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// Refuses a key file that group or others can read, write or execute.
#[cfg(unix)]
fn check_private(path: &Path, file: &fs::File) -> Result<(), VaultError> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = file.metadata().map_err(|source| VaultError::KeyFileIo {
        path: path.to_owned(),
        source,
    })?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(VaultError::InsecureKeyFile {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

/// Permission bits are a Unix notion; elsewhere the operator secures the file.
#[cfg(not(unix))]
fn check_private(_path: &Path, _file: &fs::File) -> Result<(), VaultError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_keeps_the_key_and_its_id() {
        let key = MasterKey::generate().expect("generates");
        let parsed = MasterKey::from_base64(key.to_base64().expose_secret(), "test")
            .expect("parses its own base64");
        assert_eq!(parsed.key_id(), key.key_id());
        assert_eq!(parsed.key_bytes().as_slice(), key.key_bytes().as_slice());
    }

    #[test]
    fn key_id_is_16_hex_chars_and_differs_between_keys() {
        let first = MasterKey::from_bytes([1; KEY_LEN]);
        let second = MasterKey::from_bytes([2; KEY_LEN]);
        assert_eq!(first.key_id().len(), 16);
        assert!(first.key_id().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(first.key_id(), second.key_id());
        assert_eq!(first.key_id(), MasterKey::from_bytes([1; KEY_LEN]).key_id());
    }

    #[test]
    fn bad_base64_text_is_refused_with_a_reason_and_without_echoing_it() {
        let cases = [
            ("not base64 at all!", "not valid base64"),
            ("", "decodes to 0 bytes"),
            ("AAAA", "decodes to 3 bytes"),
            (
                &BASE64.encode([7u8; 33]) as &str,
                "decodes to 33 bytes, a master key is 32 bytes",
            ),
        ];
        for (text, expected) in cases {
            let error = MasterKey::from_base64(text, "file /data/master.key")
                .expect_err("must be refused")
                .to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
            assert!(error.contains("file /data/master.key"), "{error}");
            if !text.is_empty() {
                assert!(!error.contains(text), "echoed input: {error}");
            }
        }
    }

    #[test]
    fn a_missing_environment_variable_is_named_in_the_error() {
        let name = "AR_TEST_MASTER_KEY_THAT_IS_NEVER_SET_5b0c";
        let error = MasterKey::from_env(name).expect_err("unset").to_string();
        assert!(error.contains(name), "{error}");
    }

    #[test]
    fn a_ring_file_holds_the_current_key_first_then_the_retired_ones() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("master.key");
        let (old, new) = (
            MasterKey::generate().expect("old"),
            MasterKey::generate().expect("new"),
        );
        let ring = MasterKeyRing::new(new.clone()).with_retired(old.clone());
        write_ring_file(&path, &ring).expect("written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let read = load_ring_file(&path).expect("read");
        assert_eq!(read.current().key_id(), new.key_id());
        let retired: Vec<&str> = read.retired().iter().map(MasterKey::key_id).collect();
        assert_eq!(retired, [old.key_id()]);
        // A one-key file (what a first start writes) is a ring without retired keys, and
        // still what the single-key reader expects.
        write_ring_file(&path, &read.without_retired()).expect("rewritten");
        let single = load_ring_file(&path).expect("read");
        assert!(single.retired().is_empty());
        assert_eq!(
            MasterKey::load_file(&path).expect("one key").key_id(),
            new.key_id()
        );
        let bad = ring_from_text("# comment\n\nnot-base64\n", "test").expect_err("bad line");
        assert!(bad.to_string().contains("key 1"), "{bad}");
    }
}

//! `agentruntime admin backup` and `admin restore` for the embedded store
//! (docs/operations.md "Backup and restore").
//!
//! A backup is a directory holding what must be kept together:
//! - `agentruntime.db`: a consistent copy of the SQLite database taken while servers run
//!   (`VACUUM INTO`, see `ar_store::maintenance::sqlite_snapshot`);
//! - `master.key`: the vault's master key file (current and retired keys), without which
//!   no stored secret can be opened. With `AR_MASTER_KEY` the key is not in the data
//!   directory and is not copied: keep the variable's value with the backup;
//! - `backup.json`: what was copied, from which version and schema, and each file's
//!   SHA-256.
//!
//! Both commands check that the key opens every workspace's data key of the copy, so a
//! database and a key that do not belong together are found out at once. A restore puts
//! the files in place of a stopped server's; the runs that were in flight at backup time
//! continue when it starts (their leases are released like after a crash).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ar_connect::vault::{MASTER_KEY_ENV, MasterKeyRing, load_ring_file, ring_from_text};
use ar_server::Settings;
use ar_server::master_key::KEY_FILE;
use ar_server::vault::key_check::open_all_data_keys;
use ar_store::maintenance::{
    sqlite_check, sqlite_integrations_read_only, sqlite_migrator, sqlite_snapshot,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::exit::{Unreadable, Verdict};

/// The database file's name, in a data directory and in a backup.
const DB_FILE: &str = "agentruntime.db";
/// The manifest's name in a backup.
const MANIFEST_FILE: &str = "backup.json";
/// The manifest format this binary writes and reads.
const MANIFEST_FORMAT: u32 = 1;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Safe while servers run: the copy is one consistent snapshot. OUT must not \
    exist yet. PostgreSQL deployments back up with pg_dump instead (docs/operations.md). \
    Exit status: 0 when the backup is complete and checked, 2 when it could not be made."
)]
pub struct BackupArgs {
    /// The data directory of the embedded database and its master key file
    /// [env: AR_DATA_DIR] [default: ./agentruntime-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The servers' TOML settings file.
    #[arg(long, value_name = "FILE", env = "AR_CONFIG")]
    pub config: Option<PathBuf>,
    /// The backup directory to create.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Stop the server first. The data directory must not hold a database yet, \
    unless --force, which moves the current files aside (into before-restore-<time>/) \
    instead of deleting them. Exit status: 0 when restored, 2 when nothing was changed."
)]
pub struct RestoreArgs {
    /// A directory made by `agentruntime admin backup`.
    #[arg(value_name = "BACKUP")]
    pub backup: PathBuf,
    /// The data directory to restore into [env: AR_DATA_DIR] [default: ./agentruntime-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The servers' TOML settings file.
    #[arg(long, value_name = "FILE", env = "AR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Replace an existing database (it is moved aside, not deleted).
    #[arg(long)]
    pub force: bool,
}

/// `backup.json`.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    agentruntime_version: String,
    created_at: String,
    schema_version: i64,
    runs: i64,
    /// `file` (copied as `master.key`) or `environment` (not copied).
    master_key_source: String,
    /// Public fingerprint of the current master key.
    master_key_id: String,
    workspace_data_keys: usize,
    /// File name -> SHA-256 (hex).
    files: std::collections::BTreeMap<String, String>,
}

pub fn backup(args: &BackupArgs) -> Result<Verdict, Unreadable> {
    let settings = embedded_settings(args.config.as_deref(), args.data_dir.as_ref())?;
    let runtime = runtime()?;
    let manifest = runtime
        .block_on(make_backup(&settings, &args.out))
        .map_err(|e| Unreadable(format!("{e:#}")))?;
    println!(
        "agentruntime: backup written to {} ({} runs, schema {}, {} workspace keys checked)",
        args.out.display(),
        manifest.runs,
        manifest.schema_version,
        manifest.workspace_data_keys
    );
    if manifest.master_key_source == "environment" {
        println!(
            "agentruntime: the master key comes from {MASTER_KEY_ENV} and is NOT in the backup: \
             keep that value (key id {}) with it",
            manifest.master_key_id
        );
    }
    Ok(Verdict::Yes)
}

pub fn restore(args: &RestoreArgs) -> Result<Verdict, Unreadable> {
    let settings = embedded_settings(args.config.as_deref(), args.data_dir.as_ref())?;
    let runtime = runtime()?;
    let manifest = runtime
        .block_on(restore_backup(&args.backup, &settings.data_dir, args.force))
        .map_err(|e| Unreadable(format!("{e:#}")))?;
    println!(
        "agentruntime: restored {} runs (schema {}, taken {}) into {}; start the server to \
         continue the runs that were in flight",
        manifest.runs,
        manifest.schema_version,
        manifest.created_at,
        settings.data_dir.display()
    );
    Ok(Verdict::Yes)
}

/// The settings (file < environment < flags), refusing a PostgreSQL deployment.
fn embedded_settings(
    config: Option<&Path>,
    data_dir: Option<&PathBuf>,
) -> Result<Settings, Unreadable> {
    let mut settings = Settings::load(config).map_err(|e| Unreadable(e.to_string()))?;
    if let Some(dir) = data_dir {
        settings.data_dir = dir.clone();
    }
    if settings.database_url.is_some() {
        return Err(Unreadable(
            "this deployment uses PostgreSQL (database_url / AR_DATABASE_URL): back it up \
             with pg_dump and keep the master key (AR_MASTER_KEY) with the dump; see \
             docs/operations.md"
                .into(),
        ));
    }
    Ok(settings)
}

fn runtime() -> Result<tokio::runtime::Runtime, Unreadable> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Unreadable(format!("cannot start the async runtime: {e}")))
}

/// The master key as the servers of `settings` load it: `AR_MASTER_KEY` (with
/// `AR_MASTER_KEY_RETIRED`), else the key file's text. The file's exact bytes are
/// returned too, to copy them unchanged.
fn current_key(settings: &Settings) -> anyhow::Result<(MasterKeyRing, Option<Vec<u8>>)> {
    if std::env::var_os(MASTER_KEY_ENV).is_some() {
        let (_, loaded) = ar_server::master_key::VaultKeys::load(settings)?;
        return Ok((loaded.ring, None));
    }
    let path = settings.data_dir.join(KEY_FILE);
    let ring = load_ring_file(&path)?;
    let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((ring, Some(bytes)))
}

async fn make_backup(settings: &Settings, out: &Path) -> anyhow::Result<Manifest> {
    let db = settings.data_dir.join(DB_FILE);
    if !db.is_file() {
        bail!("no database at {} (is --data-dir right?)", db.display());
    }
    create_private_dir(out)?;
    let made = write_backup(settings, &db, out).await;
    if made.is_err() {
        // Leave nothing that looks like a backup.
        let _ = fs::remove_dir_all(out);
    }
    made
}

async fn write_backup(settings: &Settings, db: &Path, out: &Path) -> anyhow::Result<Manifest> {
    let (ring, key_bytes) = current_key(settings)?;
    sqlite_snapshot(db, &out.join(DB_FILE)).await?;
    // The key is read before and after the snapshot: a rotation in between would leave
    // data keys in the copy that the copied key cannot open.
    let (_, key_after) = current_key(settings)?;
    if key_after != key_bytes {
        bail!(
            "the master key file changed during the backup (a key rotation?); run the backup again"
        );
    }
    let mut files = std::collections::BTreeMap::new();
    if let Some(bytes) = &key_bytes {
        write_private_file(&out.join(KEY_FILE), bytes)?;
        files.insert(KEY_FILE.to_owned(), hex::encode(Sha256::digest(bytes)));
    }
    let info = sqlite_check(&out.join(DB_FILE)).await?;
    let keys = open_all_data_keys(
        &ring,
        &sqlite_integrations_read_only(&out.join(DB_FILE)).await?,
    )
    .await?;
    files.insert(DB_FILE.to_owned(), file_sha256(&out.join(DB_FILE))?);
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        agentruntime_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        schema_version: info.schema_version,
        runs: info.runs,
        master_key_source: if key_bytes.is_some() {
            "file"
        } else {
            "environment"
        }
        .to_owned(),
        master_key_id: ring.current().key_id().to_owned(),
        workspace_data_keys: keys,
        files,
    };
    let text = serde_json::to_string_pretty(&manifest)?;
    write_private_file(&out.join(MANIFEST_FILE), text.as_bytes())?;
    Ok(manifest)
}

async fn restore_backup(backup: &Path, data_dir: &Path, force: bool) -> anyhow::Result<Manifest> {
    let manifest_path = backup.join(MANIFEST_FILE);
    let manifest: Manifest =
        serde_json::from_slice(&fs::read(&manifest_path).with_context(|| {
            format!(
                "{} is not a backup: cannot read {}",
                backup.display(),
                manifest_path.display()
            )
        })?)
        .with_context(|| format!("{} is not a valid backup manifest", manifest_path.display()))?;
    if manifest.format != MANIFEST_FORMAT {
        bail!(
            "backup format {} is not supported by this version (expected {MANIFEST_FORMAT})",
            manifest.format
        );
    }
    for (name, expected) in &manifest.files {
        let actual = file_sha256(&backup.join(name))?;
        if &actual != expected {
            bail!("{name} in the backup does not match its checksum: the backup is damaged");
        }
    }
    let newest = sqlite_migrator()
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    if manifest.schema_version > newest {
        bail!(
            "the backup was made by agentruntime {} with schema {}; this binary knows schema {newest} at most: restore it with that version or newer",
            manifest.agentruntime_version,
            manifest.schema_version
        );
    }
    let db = backup.join(DB_FILE);
    sqlite_check(&db).await?;
    let ring = match manifest.master_key_source.as_str() {
        "file" => load_ring_file(&backup.join(KEY_FILE))?,
        _ => {
            let text = std::env::var(MASTER_KEY_ENV).map_err(|_| {
                anyhow::anyhow!(
                    "the backup holds no master key file (it came from {MASTER_KEY_ENV}, key id {}): set {MASTER_KEY_ENV} to that key",
                    manifest.master_key_id
                )
            })?;
            ring_from_text(&text, MASTER_KEY_ENV)?
        }
    };
    open_all_data_keys(&ring, &sqlite_integrations_read_only(&db).await?).await?;
    put_in_place(backup, data_dir, &manifest, force)?;
    Ok(manifest)
}

/// Copies the backup's files into `data_dir`: each to a temporary name, then renamed, so
/// a failure never leaves half a database. Files already there (a database, its WAL
/// files, a key) are moved aside with `force`, and refused otherwise.
fn put_in_place(
    backup: &Path,
    data_dir: &Path,
    manifest: &Manifest,
    force: bool,
) -> anyhow::Result<()> {
    fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let existing: Vec<PathBuf> = [
        DB_FILE.to_owned(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
        KEY_FILE.to_owned(),
    ]
    .iter()
    .map(|name| data_dir.join(name))
    .filter(|path| path.exists())
    .collect();
    if !existing.is_empty() {
        if !force {
            bail!(
                "{} already holds {}; stop its server and pass --force to replace them (they are moved aside, not deleted)",
                data_dir.display(),
                names(&existing)
            );
        }
        let aside = data_dir.join(format!(
            "before-restore-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
        ));
        create_private_dir(&aside)?;
        for path in &existing {
            let name = path.file_name().expect("a file name");
            fs::rename(path, aside.join(name))
                .with_context(|| format!("cannot move {} aside", path.display()))?;
        }
        println!(
            "agentruntime: the previous files are in {}",
            aside.display()
        );
    }
    for name in manifest.files.keys() {
        let target = data_dir.join(name);
        let temporary = data_dir.join(format!("{name}.restoring"));
        let _ = fs::remove_file(&temporary);
        copy_private(&backup.join(name), &temporary)?;
        fs::rename(&temporary, &target)
            .with_context(|| format!("cannot put {} in place", target.display()))?;
    }
    Ok(())
}

fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        bail!(
            "{} already exists; a backup goes to a new directory",
            path.display()
        );
    }
    fs::create_dir_all(path).with_context(|| format!("cannot create {}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict {}", path.display()))?;
    Ok(())
}

/// Writes a new file readable by its owner only (the key, the database: both secret).
fn write_private_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = create_private_file(path)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Copies `from` to a new owner-only file `to`, streaming (databases can be large).
fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut source =
        fs::File::open(from).with_context(|| format!("cannot read {}", from.display()))?;
    let mut file = create_private_file(to)?;
    std::io::copy(&mut source, &mut file)
        .and_then(|_| file.sync_all())
        .with_context(|| format!("cannot write {}", to.display()))?;
    Ok(())
}

fn create_private_file(path: &Path) -> anyhow::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

fn file_sha256(path: &Path) -> anyhow::Result<String> {
    let mut file =
        fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut file, &mut buffer)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

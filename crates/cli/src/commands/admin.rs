//! `agentruntime admin …`: operator tasks run beside the servers, on the same settings
//! (TOML file, `AR_*` environment, then flags, as for `serve`).
//!
//! `admin rotate-master-key [--new-key-file FILE] [--retire]` rotates the vault's master
//! key without downtime (`ar_server::vault::rotation`, docs/vault.md): it re-wraps every
//! data key to the new key and prints what it did; `--retire` then drops the old key once
//! nothing uses it. Exit 0 when done, 2 when it could not (the message says why).

use std::path::PathBuf;

use ar_connect::vault::MasterKey;
use ar_server::Settings;
use ar_server::vault::rotation;

use crate::exit::{Unreadable, Verdict};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Rotate the vault master key: a new key becomes current, every data key is
    /// re-wrapped to it, the old key stays as retired until `--retire`. Running servers
    /// keep working throughout (see docs/vault.md).
    RotateMasterKey(RotateArgs),
    /// Copy the embedded database and its master key into a new directory, consistently,
    /// while servers run (docs/operations.md).
    Backup(super::backup::BackupArgs),
    /// Put a backup in place of a stopped server's data directory.
    Restore(super::backup::RestoreArgs),
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "With a key file (<data-dir>/master.key): writes the new key to it \
    (current first, old keys kept as retired) and re-wraps everything; running servers re-read \
    the file when they meet the new key. With AR_MASTER_KEY: restart every node with \
    AR_MASTER_KEY=<new key> and AR_MASTER_KEY_RETIRED=<old key> first, then run this command \
    with that environment. Exit status: 0 when done, 2 when it could not."
)]
pub struct RotateArgs {
    /// Directory of the embedded SQLite database and the master key file [env: AR_DATA_DIR].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` of the shared database [env: AR_DATABASE_URL].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// A TOML settings file (the servers' own).
    #[arg(long, value_name = "FILE", env = "AR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Use this key (base64 in a file, e.g. from `openssl rand -base64 32`) instead of
    /// generating one (key-file deployments).
    #[arg(long, value_name = "FILE", conflicts_with = "retire")]
    pub new_key_file: Option<PathBuf>,
    /// Drop the retired keys, once no data key is wrapped by them.
    #[arg(long)]
    pub retire: bool,
}

pub fn run(args: &Args) -> Result<Verdict, Unreadable> {
    match &args.command {
        AdminCommand::RotateMasterKey(a) => rotate(a),
        AdminCommand::Backup(a) => super::backup::backup(a),
        AdminCommand::Restore(a) => super::backup::restore(a),
    }
}

fn rotate(args: &RotateArgs) -> Result<Verdict, Unreadable> {
    let mut settings =
        Settings::load(args.config.as_deref()).map_err(|e| Unreadable(e.to_string()))?;
    if let Some(dir) = &args.data_dir {
        settings.data_dir = dir.clone();
    }
    if let Some(url) = &args.database_url {
        settings.database_url = Some(url.clone());
    }
    let new_key = match &args.new_key_file {
        Some(path) => Some(MasterKey::load_file(path).map_err(|e| Unreadable(e.to_string()))?),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Unreadable(format!("cannot start the async runtime: {e}")))?;
    let report = runtime
        .block_on(async {
            let stores = ar_server::open_stores(&settings).await?;
            let env = |name: &str| std::env::var(name).ok();
            let report = if args.retire {
                rotation::retire(&settings, env, &*stores.integrations, &*stores.automation).await
            } else {
                rotation::rotate(
                    &settings,
                    env,
                    &*stores.integrations,
                    &*stores.automation,
                    new_key,
                )
                .await
            };
            stores.runs.close().await;
            report
        })
        .map_err(|e| Unreadable(format!("{e:#}")))?;
    print!("{report}");
    Ok(Verdict::Yes)
}

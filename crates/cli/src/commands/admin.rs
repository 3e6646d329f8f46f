//! `agentruntime admin …`: operator tasks run beside the servers, on the same settings
//! (TOML file, `AR_*` environment, then flags, as for `serve`).
//!
//! `admin rotate-master-key [--new-key-file FILE] [--retire]` rotates the vault's master
//! key without downtime (`ar_server::vault::rotation`, docs/vault.md): it re-wraps every
//! data key to the new key and prints what it did; `--retire` then drops the old key once
//! nothing uses it. Exit 0 when done, 2 when it could not (the message says why).
//!
//! `admin prices set|unset|list --workspace SLUG [--action A] [--microcredits N]` manages
//! a workspace's own prices (docs/billing.md "Per-workspace prices").
//! `admin credits grant --workspace SLUG --microcredits N [--note TEXT]` adds PAYG
//! credits to a workspace (the `manual` payment provider, docs/billing.md) and prints
//! the ledger row and the new balances.

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
    /// Workspace credits (docs/billing.md).
    #[command(subcommand)]
    Credits(CreditsCommand),
    /// A workspace's own prices per metered action (docs/billing.md "Per-workspace
    /// prices").
    #[command(subcommand)]
    Prices(PricesCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum PricesCommand {
    /// Give the workspace its own price for an action.
    Set(PriceArgs),
    /// Remove the workspace's own price: `[billing.prices]` applies again.
    Unset(PriceArgs),
    /// Show the workspace's prices, its own marked.
    List(PriceArgs),
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 when done, 2 when it could not.")]
pub struct PriceArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The workspace's slug.
    #[arg(long, value_name = "SLUG")]
    pub workspace: String,
    /// The metered action (`workflow.step.execute`, `llm.tokens_in`, `llm.tokens_out`,
    /// `mcp.call`); required by set and unset.
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Microcredits per unit; required by set.
    #[arg(long, value_name = "N")]
    pub microcredits: Option<i64>,
}

/// Where an admin command finds the database: the servers' settings, then these flags.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// Directory of the embedded SQLite database and the master key file [env: AR_DATA_DIR].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` of the shared database [env: AR_DATABASE_URL].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// A TOML settings file (the servers' own).
    #[arg(long, value_name = "FILE", env = "AR_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum CreditsCommand {
    /// Add PAYG credits to a workspace (manual payments, support grants).
    Grant(GrantArgs),
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 when granted, 2 when it could not.")]
pub struct GrantArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The workspace's slug.
    #[arg(long, value_name = "SLUG")]
    pub workspace: String,
    /// How many microcredits to add (one credit is 1000000).
    #[arg(long, value_name = "N")]
    pub microcredits: i64,
    /// Why (an invoice number, …), kept on the ledger row.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
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
    #[command(flatten)]
    pub store: StoreArgs,
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
        AdminCommand::Credits(CreditsCommand::Grant(a)) => grant(a),
        AdminCommand::Prices(command) => prices(command),
    }
}

impl StoreArgs {
    /// The settings of an admin command: the file, the environment, then its flags.
    fn settings(&self) -> Result<Settings, Unreadable> {
        let mut settings =
            Settings::load(self.config.as_deref()).map_err(|e| Unreadable(e.to_string()))?;
        if let Some(dir) = &self.data_dir {
            settings.data_dir = dir.clone();
        }
        if let Some(url) = &self.database_url {
            settings.database_url = Some(url.clone());
        }
        Ok(settings)
    }
}

/// The single-threaded runtime an admin command's store work runs on.
fn runtime() -> Result<tokio::runtime::Runtime, Unreadable> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Unreadable(format!("cannot start the async runtime: {e}")))
}

fn grant(args: &GrantArgs) -> Result<Verdict, Unreadable> {
    let settings = args.store.settings()?;
    let runtime = runtime()?;
    let report = runtime
        .block_on(async {
            let stores = ar_server::open_stores(&settings).await?;
            let result = grant_in(&settings, &stores, args).await;
            stores.runs.close().await;
            result
        })
        .map_err(|e| Unreadable(format!("{e:#}")))?;
    println!("{report}");
    Ok(Verdict::Yes)
}

async fn grant_in(
    settings: &Settings,
    stores: &ar_server::Stores,
    args: &GrantArgs,
) -> anyhow::Result<String> {
    let Some(ws) = stores.tenants.workspace_by_slug(&args.workspace).await? else {
        anyhow::bail!("no workspace with the slug {:?}", args.workspace);
    };
    let account = ar_server::billing::Account {
        store: &*stores.integrations,
        billing: &settings.billing,
        product_code: &settings.product_code,
        workspace_id: &ws.id,
    };
    let entry = account
        .grant(args.microcredits, args.note.clone(), ar_store::now_ms())
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let b = stores.integrations.billing_balances(&ws.id).await?;
    Ok(format!(
        "granted {} microcredits to {} (ledger entry {}); balances: trial {}, included {}, payg {}, total {}",
        args.microcredits,
        args.workspace,
        entry.id,
        b.trial,
        b.included,
        b.payg,
        b.total()
    ))
}

fn prices(command: &PricesCommand) -> Result<Verdict, Unreadable> {
    let args = match command {
        PricesCommand::Set(a) | PricesCommand::Unset(a) | PricesCommand::List(a) => a,
    };
    let settings = args.store.settings()?;
    let runtime = runtime()?;
    let report = runtime
        .block_on(async {
            let stores = ar_server::open_stores(&settings).await?;
            let result = prices_in(&settings, &stores, command, args).await;
            stores.runs.close().await;
            result
        })
        .map_err(|e| Unreadable(format!("{e:#}")))?;
    println!("{report}");
    Ok(Verdict::Yes)
}

async fn prices_in(
    settings: &Settings,
    stores: &ar_server::Stores,
    command: &PricesCommand,
    args: &PriceArgs,
) -> anyhow::Result<String> {
    let Some(ws) = stores.tenants.workspace_by_slug(&args.workspace).await? else {
        anyhow::bail!("no workspace with the slug {:?}", args.workspace);
    };
    let action = || {
        args.action
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("--action is required"))
    };
    let now = ar_store::now_ms();
    match command {
        PricesCommand::Set(_) => {
            let action = action()?;
            let Some(price) = args.microcredits else {
                anyhow::bail!("--microcredits is required");
            };
            ar_server::billing::prices::check(action, price).map_err(anyhow::Error::msg)?;
            stores
                .integrations
                .billing_set_price_override(&ws.id, action, Some(price), now)
                .await?;
        }
        PricesCommand::Unset(_) => {
            let action = action()?;
            ar_server::billing::prices::check(action, 0).map_err(anyhow::Error::msg)?;
            stores
                .integrations
                .billing_set_price_override(&ws.id, action, None, now)
                .await?;
        }
        PricesCommand::List(_) => {}
    }
    let (table, own) =
        ar_server::billing::prices::resolved(&*stores.integrations, &settings.billing, &ws.id)
            .await?;
    let lines: Vec<String> = ar_server::billing::settings::PRICED_ACTIONS
        .iter()
        .map(|a| {
            let price = table.get(*a).copied().unwrap_or(0);
            let whose = if own.iter().any(|o| o == a) {
                "workspace"
            } else {
                "default"
            };
            format!("{a} = {price} ({whose})")
        })
        .collect();
    Ok(format!(
        "prices of {}:\n{}",
        args.workspace,
        lines.join("\n")
    ))
}

fn rotate(args: &RotateArgs) -> Result<Verdict, Unreadable> {
    let settings = args.store.settings()?;
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

//! Master-key rotation without downtime (`agentruntime admin rotate-master-key`,
//! docs/vault.md).
//!
//! Only data keys are re-wrapped; sealed values never change. Two kinds of data key exist:
//! one per workspace (`workspace_data_keys`, everything sealed through
//! [`super::WorkspaceVault`]) and one per webhook subscription, stored inline with its
//! signing secret (`inbound_webhooks.signing_secret_sealed`). The inline keys are re-wrapped
//! in place rather than migrated to the workspace vault: the stored format stays the one
//! every running node reads, so a rotation never depends on all nodes running a newer
//! binary, and the same compare-and-set rule covers both kinds.
//!
//! With a key file (the default): the new key is written to the file first, as the current
//! key, with the old keys kept as retired (one base64 key per line); then every data key is
//! re-wrapped. A running node that meets a data key wrapped by the new key re-reads the
//! file ([`crate::master_key::VaultKeys`]). `--retire` drops the retired keys once no data
//! key uses them. With `AR_MASTER_KEY`: the operator first restarts the nodes with
//! `AR_MASTER_KEY=<new>` and `AR_MASTER_KEY_RETIRED=<old>`, then runs the command (with the
//! same environment) to re-wrap everything to the new key, then removes
//! `AR_MASTER_KEY_RETIRED`.

use std::collections::HashSet;
use std::fmt;

use anyhow::{Context, bail};
use ar_connect::vault::{MasterKey, MasterKeyRing, WrappedDataKey, write_ring_file};
use ar_store::automation::AutomationStore;
use ar_store::integrations::IntegrationStore;
use ar_store::now_ms;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::master_key::{self, KeySource, RETIRED_KEYS_ENV};
use crate::settings::Settings;

/// Rows re-wrapped per store round trip.
const BATCH: i64 = 100;

/// What a rotation or retirement did (printed by the command; no key material).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// `file <path>` or `environment`.
    pub source: String,
    /// The key everything is wrapped by now.
    pub current_key_id: String,
    /// Keys still held as retired.
    pub retired_key_ids: Vec<String>,
    /// Keys dropped by `--retire`.
    pub dropped_key_ids: Vec<String>,
    pub data_keys_rewrapped: usize,
    pub webhook_keys_rewrapped: usize,
    /// What the operator does next.
    pub next_steps: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "master keys: {}", self.source)?;
        writeln!(f, "current key id: {}", self.current_key_id)?;
        if !self.retired_key_ids.is_empty() {
            writeln!(f, "retired key ids: {}", self.retired_key_ids.join(", "))?;
        }
        if !self.dropped_key_ids.is_empty() {
            writeln!(f, "dropped key ids: {}", self.dropped_key_ids.join(", "))?;
        }
        writeln!(
            f,
            "re-wrapped: {} workspace data key(s), {} webhook secret key(s)",
            self.data_keys_rewrapped, self.webhook_keys_rewrapped
        )?;
        for step in &self.next_steps {
            writeln!(f, "next: {step}")?;
        }
        Ok(())
    }
}

/// The stored form of a webhook signing secret (see `automation::sealed_secret`); the
/// sealed value is carried through untouched.
#[derive(Serialize, Deserialize)]
struct InlineSealed {
    data_key: WrappedDataKey,
    value: Value,
}

/// Re-wraps every data key not wrapped by `ring`'s current key; returns (workspace data
/// keys, webhook secret keys) re-wrapped. A data key wrapped by a key the ring does not
/// hold stops the pass with an error naming it (add that key as retired and run again).
pub async fn rewrap_all(
    ring: &MasterKeyRing,
    integrations: &dyn IntegrationStore,
    automation: &dyn AutomationStore,
) -> anyhow::Result<(usize, usize)> {
    let current = ring.current().key_id().to_owned();
    let mut data_keys = 0;
    let mut seen = HashSet::new();
    loop {
        let batch = integrations
            .data_keys_not_wrapped_by(&current, BATCH)
            .await?;
        if batch.is_empty() {
            break;
        }
        let mut progressed = false;
        for record in batch {
            progressed |= seen.insert(record.workspace_id.clone());
            let wrapped: WrappedDataKey =
                serde_json::from_value(record.wrapped).with_context(|| {
                    format!(
                        "workspace {}: stored data key unreadable",
                        record.workspace_id
                    )
                })?;
            let Some(fresh) = ring
                .rewrap_to_current(&record.workspace_id, &wrapped)
                .with_context(|| format!("workspace {}", record.workspace_id))?
            else {
                continue;
            };
            if integrations
                .rewrap_data_key(
                    &record.workspace_id,
                    &record.master_key_id,
                    &serde_json::to_value(&fresh)?,
                    &current,
                    now_ms(),
                )
                .await?
            {
                data_keys += 1;
            }
        }
        if !progressed {
            bail!("data keys keep changing under the rotation: is another rotation running?");
        }
    }
    let mut webhook_keys = 0;
    let mut seen = HashSet::new();
    loop {
        let batch = automation
            .webhook_secrets_not_wrapped_by(&current, BATCH)
            .await?;
        if batch.is_empty() {
            break;
        }
        let mut progressed = false;
        for row in batch {
            progressed |= seen.insert(row.webhook_id.clone());
            let mut stored: InlineSealed =
                serde_json::from_value(row.sealed).with_context(|| {
                    format!(
                        "webhook {}: sealed signing secret unreadable",
                        row.webhook_id
                    )
                })?;
            let old = stored.data_key.master_key_id.clone();
            let Some(fresh) = ring
                .rewrap_to_current(&row.workspace_id, &stored.data_key)
                .with_context(|| format!("webhook {}", row.webhook_id))?
            else {
                continue;
            };
            stored.data_key = fresh;
            if automation
                .rewrap_webhook_secret(&row.webhook_id, &old, &serde_json::to_value(&stored)?)
                .await?
            {
                webhook_keys += 1;
            }
        }
        if !progressed {
            bail!("webhook secrets keep changing under the rotation: is another rotation running?");
        }
    }
    Ok((data_keys, webhook_keys))
}

/// How many data keys (workspace, webhook) are wrapped by a key other than `current`.
pub async fn not_wrapped_by(
    current: &str,
    integrations: &dyn IntegrationStore,
    automation: &dyn AutomationStore,
) -> anyhow::Result<(usize, usize)> {
    Ok((
        integrations
            .data_keys_not_wrapped_by(current, i64::MAX)
            .await?
            .len(),
        automation
            .webhook_secrets_not_wrapped_by(current, i64::MAX)
            .await?
            .len(),
    ))
}

fn ids(keys: &[MasterKey]) -> Vec<String> {
    keys.iter().map(|k| k.key_id().to_owned()).collect()
}

/// Rotates to a new master key (`new_key`, else a generated one) with a key file, or
/// re-wraps everything to `AR_MASTER_KEY` with the environment (where `new_key` is refused:
/// the nodes must already hold the new key, see the module docs).
pub async fn rotate(
    settings: &Settings,
    env: impl Fn(&str) -> Option<String>,
    integrations: &dyn IntegrationStore,
    automation: &dyn AutomationStore,
    new_key: Option<MasterKey>,
) -> anyhow::Result<Report> {
    let loaded = master_key::load(settings, &env)?;
    let mut report = Report::default();
    let ring = match &loaded.source {
        KeySource::Environment => {
            if new_key.is_some() {
                bail!(
                    "AR_MASTER_KEY is set, so the keys come from the environment: restart every node with \
                     AR_MASTER_KEY=<new key> and {RETIRED_KEYS_ENV}=<old key>, then run this command with \
                     that environment (without --new-key-file) to re-wrap everything to the new key"
                );
            }
            report.source = "environment".into();
            loaded.ring
        }
        KeySource::File(path) | KeySource::CreatedFile(path) => {
            let new_key = match new_key {
                Some(key) => key,
                None => MasterKey::generate()?,
            };
            if loaded.ring.holds(new_key.key_id()) {
                bail!(
                    "the new key is already in {}; give a key not used before",
                    path.display()
                );
            }
            let mut ring = MasterKeyRing::new(new_key);
            for old in loaded.ring.keys() {
                ring = ring.with_retired(old.clone());
            }
            // The file first: a node meeting a key wrapped by the new key re-reads it.
            write_ring_file(path, &ring)?;
            report.source = format!("file {}", path.display());
            ring
        }
    };
    let (data_keys, webhook_keys) = rewrap_all(&ring, integrations, automation).await?;
    report.current_key_id = ring.current().key_id().to_owned();
    report.retired_key_ids = ids(ring.retired());
    report.data_keys_rewrapped = data_keys;
    report.webhook_keys_rewrapped = webhook_keys;
    report.next_steps = match loaded.source {
        KeySource::Environment if ring.retired().is_empty() => vec![],
        KeySource::Environment => vec![format!(
            "nothing uses the retired key(s) any more: remove {RETIRED_KEYS_ENV} from every node's environment \
             (at its next restart), or check first with `agentruntime admin rotate-master-key --retire`"
        )],
        _ => vec![
            "nothing uses the retired key(s) any more: drop them with `agentruntime admin rotate-master-key --retire` \
             (running servers keep working either way)"
                .to_owned(),
            "back up the new key file: secrets do not open without it".to_owned(),
        ],
    };
    Ok(report)
}

/// Drops the retired keys once no data key uses them (key file), or says whether
/// `AR_MASTER_KEY_RETIRED` can be removed (environment).
pub async fn retire(
    settings: &Settings,
    env: impl Fn(&str) -> Option<String>,
    integrations: &dyn IntegrationStore,
    automation: &dyn AutomationStore,
) -> anyhow::Result<Report> {
    let loaded = master_key::load(settings, &env)?;
    let ring = loaded.ring;
    let current = ring.current().key_id().to_owned();
    let (data_keys, webhook_keys) = not_wrapped_by(&current, integrations, automation).await?;
    if data_keys + webhook_keys > 0 {
        bail!(
            "{data_keys} workspace data key(s) and {webhook_keys} webhook secret key(s) are still wrapped by an \
             older key; run `agentruntime admin rotate-master-key` (without --retire) to re-wrap them first"
        );
    }
    let mut report = Report {
        current_key_id: current,
        dropped_key_ids: ids(ring.retired()),
        ..Report::default()
    };
    match loaded.source {
        KeySource::Environment => {
            report.source = "environment".into();
            if !ring.retired().is_empty() {
                report.next_steps.push(format!(
                    "nothing uses the retired key(s): remove {RETIRED_KEYS_ENV} from every node's environment"
                ));
            }
        }
        KeySource::File(path) | KeySource::CreatedFile(path) => {
            if !ring.retired().is_empty() {
                write_ring_file(&path, &ring.without_retired())?;
            }
            report.source = format!("file {}", path.display());
        }
    }
    Ok(report)
}

//! Master-key rotation of webhook signing secrets. Each subscription's sealed secret
//! carries its own data key, wrapped by the master key (`signing_secret_sealed` =
//! `{data_key: WrappedDataKey, value: SealedValue}`); a rotation re-wraps that data key and
//! leaves the sealed value as it is. The wrapping master key id is read inside the JSON,
//! which each backend spells its own way (the one difference between the two SQL texts).

use async_trait::async_trait;
use serde_json::Value;

use crate::error::StoreResult;

/// A subscription's sealed signing secret, as rotation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedWebhookSecret {
    pub webhook_id: String,
    pub workspace_id: String,
    pub sealed: Value,
}

#[async_trait]
pub trait WebhookSecretKeys: Send + Sync + 'static {
    /// Up to `limit` subscriptions whose secret's data key is wrapped by a master key other
    /// than `master_key_id`, by id.
    async fn webhook_secrets_not_wrapped_by(
        &self,
        master_key_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<SealedWebhookSecret>>;
    /// Replaces a subscription's sealed secret, only if its data key is still wrapped by
    /// `old_master_key_id` (compare-and-set). True if replaced. `updated_at` is kept: the
    /// subscription did not change.
    async fn rewrap_webhook_secret(
        &self,
        webhook_id: &str,
        old_master_key_id: &str,
        sealed: &Value,
    ) -> StoreResult<bool>;
}

/// Implements [`WebhookSecretKeys`] for `$store`; `$key_id` is the SQL expression of the
/// wrapping master key id inside `signing_secret_sealed`.
macro_rules! impl_webhook_secret_keys {
    ($store:ty, $key_id:literal) => {
        const _: () = {
            use async_trait::async_trait;
            use serde_json::Value;
            use sqlx::Row;
            use sqlx::types::Json;

            use $crate::automation::sealed_keys::{SealedWebhookSecret, WebhookSecretKeys};
            use $crate::error::StoreResult;

            #[async_trait]
            impl WebhookSecretKeys for $store {
                async fn webhook_secrets_not_wrapped_by(
                    &self,
                    master_key_id: &str,
                    limit: i64,
                ) -> StoreResult<Vec<SealedWebhookSecret>> {
                    let sql = concat!("SELECT id, workspace_id, signing_secret_sealed FROM inbound_webhooks WHERE ", $key_id, " <> $1 ORDER BY id LIMIT $2");
                    let rows = sqlx::query(sql)
                        .bind(master_key_id)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|row| {
                            Ok(SealedWebhookSecret {
                                webhook_id: row.try_get("id")?,
                                workspace_id: row.try_get("workspace_id")?,
                                sealed: row.try_get::<Json<Value>, _>("signing_secret_sealed")?.0,
                            })
                        })
                        .collect()
                }

                async fn rewrap_webhook_secret(
                    &self,
                    webhook_id: &str,
                    old_master_key_id: &str,
                    sealed: &Value,
                ) -> StoreResult<bool> {
                    let sql = concat!("UPDATE inbound_webhooks SET signing_secret_sealed = $1 WHERE id = $2 AND ", $key_id, " = $3");
                    let done = sqlx::query(sql)
                        .bind(Json(sealed))
                        .bind(webhook_id)
                        .bind(old_master_key_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        };
    };
}

impl_webhook_secret_keys!(
    super::SqliteAutomationStore,
    "json_extract(signing_secret_sealed, '$.data_key.master_key_id')"
);
impl_webhook_secret_keys!(
    super::PgAutomationStore,
    "(signing_secret_sealed -> 'data_key' ->> 'master_key_id')"
);

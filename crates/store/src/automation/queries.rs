//! The automation SQL, written once for both backends (the same dialect subset as
//! `crate::tenant::queries`: `$N` placeholders, `ON CONFLICT`, JSON through
//! `sqlx::types::Json`, stored as TEXT on SQLite and JSONB on Postgres).

/// Implements [`super::AutomationStore`] for `$store` (a struct with a `pool` field).
macro_rules! impl_automation_store {
    ($store:ty, $row:ty, $begin:literal) => {
        use async_trait::async_trait;
        use serde_json::Value;
        use sqlx::Row;
        use sqlx::types::Json;

        use $crate::automation::*;
        use $crate::error::{StoreError, StoreResult};

        type DbRow = $row;

        const WEBHOOK_COLUMNS: &str = "id, workspace_id, project_id, workflow_id, name, signing_secret_sealed, extras, enabled, automation_user_id, automation_pat_id, require_timestamp, created_at, updated_at";
        const TRIGGER_COLUMNS: &str = "id, workspace_id, project_id, workflow_id, cron, timezone, trigger_payload, trigger_steps, excluded_step_ids, enabled, next_fire_at, last_fired_at, last_run_id, last_error, claimed_by, claim_until, created_by, created_at, updated_at";

        fn webhook_from_row(row: &DbRow) -> StoreResult<WebhookRecord> {
            Ok(WebhookRecord {
                id: row.try_get("id")?,
                workspace_id: row.try_get("workspace_id")?,
                project_id: row.try_get("project_id")?,
                workflow_id: row.try_get("workflow_id")?,
                name: row.try_get("name")?,
                signing_secret_sealed: row.try_get::<Json<Value>, _>("signing_secret_sealed")?.0,
                extras: row.try_get::<Json<Value>, _>("extras")?.0,
                enabled: row.try_get("enabled")?,
                automation_user_id: row.try_get("automation_user_id")?,
                automation_pat_id: row.try_get("automation_pat_id")?,
                require_timestamp: row.try_get("require_timestamp")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        fn trigger_from_row(row: &DbRow) -> StoreResult<TriggerRecord> {
            Ok(TriggerRecord {
                id: row.try_get("id")?,
                workspace_id: row.try_get("workspace_id")?,
                project_id: row.try_get("project_id")?,
                workflow_id: row.try_get("workflow_id")?,
                cron: row.try_get("cron")?,
                timezone: row.try_get("timezone")?,
                trigger_payload: row.try_get::<Json<Value>, _>("trigger_payload")?.0,
                trigger_steps: row.try_get::<Json<Value>, _>("trigger_steps")?.0,
                excluded_step_ids: row.try_get::<Json<Vec<String>>, _>("excluded_step_ids")?.0,
                enabled: row.try_get("enabled")?,
                next_fire_at: row.try_get("next_fire_at")?,
                last_fired_at: row.try_get("last_fired_at")?,
                last_run_id: row.try_get("last_run_id")?,
                last_error: row.try_get("last_error")?,
                claimed_by: row.try_get("claimed_by")?,
                claim_until: row.try_get("claim_until")?,
                created_by: row.try_get("created_by")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        impl $store {
            async fn webhooks_where(&self, condition: &str, bind: &str) -> StoreResult<Vec<WebhookRecord>> {
                let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM inbound_webhooks WHERE {condition}");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bind).fetch_all(&self.pool).await?;
                rows.iter().map(webhook_from_row).collect()
            }

            async fn triggers_where(&self, condition: &str, binds: &[&str]) -> StoreResult<Vec<TriggerRecord>> {
                let sql = format!("SELECT {TRIGGER_COLUMNS} FROM cron_triggers WHERE {condition}");
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for b in binds {
                    query = query.bind(*b);
                }
                let rows = query.fetch_all(&self.pool).await?;
                rows.iter().map(trigger_from_row).collect()
            }
        }

        #[async_trait]
        impl AutomationStore for $store {
            async fn create_webhook(&self, w: &WebhookRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO inbound_webhooks (id, workspace_id, project_id, workflow_id, name, signing_secret_sealed, extras, enabled, automation_user_id, automation_pat_id, require_timestamp, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                    .bind(&w.id)
                    .bind(&w.workspace_id)
                    .bind(&w.project_id)
                    .bind(&w.workflow_id)
                    .bind(&w.name)
                    .bind(Json(&w.signing_secret_sealed))
                    .bind(Json(&w.extras))
                    .bind(w.enabled)
                    .bind(&w.automation_user_id)
                    .bind(&w.automation_pat_id)
                    .bind(w.require_timestamp)
                    .bind(w.created_at)
                    .bind(w.updated_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn webhook(&self, workspace_id: &str, id: &str) -> StoreResult<Option<WebhookRecord>> {
                Ok(self
                    .webhook_for_ingress(id)
                    .await?
                    .filter(|w| w.workspace_id == workspace_id))
            }

            async fn webhook_for_ingress(&self, id: &str) -> StoreResult<Option<WebhookRecord>> {
                Ok(self.webhooks_where("id = $1", id).await?.into_iter().next())
            }

            async fn list_webhooks(&self, project_id: &str) -> StoreResult<Vec<WebhookRecord>> {
                self.webhooks_where("project_id = $1 ORDER BY created_at DESC, id DESC", project_id)
                    .await
            }

            async fn update_webhook(&self, id: &str, patch: &WebhookPatch, at: i64) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE inbound_webhooks SET name = COALESCE($2, name), extras = COALESCE($3, extras), enabled = COALESCE($4, enabled), require_timestamp = COALESCE($6, require_timestamp), updated_at = $5 WHERE id = $1")
                    .bind(id)
                    .bind(&patch.name)
                    .bind(patch.extras.as_ref().map(Json))
                    .bind(patch.enabled)
                    .bind(at)
                    .bind(patch.require_timestamp)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_webhook(&self, id: &str) -> StoreResult<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                for table in ["webhook_deliveries", "webhook_signatures_seen"] {
                    let sql = format!("DELETE FROM {table} WHERE webhook_id = $1");
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                let done = sqlx::query("DELETE FROM inbound_webhooks WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delivery_run(&self, webhook_id: &str, key_hash: &str) -> StoreResult<Option<String>> {
                let row = sqlx::query("SELECT run_id FROM webhook_deliveries WHERE webhook_id = $1 AND key_hash = $2")
                    .bind(webhook_id)
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| r.try_get("run_id")).transpose()?)
            }

            async fn record_delivery(&self, webhook_id: &str, key_hash: &str, run_id: &str, at: i64) -> StoreResult<String> {
                sqlx::query("INSERT INTO webhook_deliveries (webhook_id, key_hash, run_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (webhook_id, key_hash) DO NOTHING")
                    .bind(webhook_id)
                    .bind(key_hash)
                    .bind(run_id)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                self.delivery_run(webhook_id, key_hash).await?.ok_or_else(|| {
                    StoreError::NotFound(format!("webhook {webhook_id}"))
                })
            }

            async fn first_use_of_signature(
                &self,
                webhook_id: &str,
                signature_hash: &str,
                expires_at: i64,
                now: i64,
            ) -> StoreResult<bool> {
                // Expired entries can never match a fresh delivery again: each webhook
                // keeps only what its tolerance window needs (the purge stays on this
                // webhook's rows, so concurrent deliveries of others never contend).
                sqlx::query("DELETE FROM webhook_signatures_seen WHERE webhook_id = $1 AND expires_at < $2")
                    .bind(webhook_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                let done = sqlx::query("INSERT INTO webhook_signatures_seen (webhook_id, signature_hash, expires_at) VALUES ($1, $2, $3) ON CONFLICT (webhook_id, signature_hash) DO NOTHING")
                    .bind(webhook_id)
                    .bind(signature_hash)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn record_webhook_refusal(&self, webhook_id: &str, at: i64, reason: &str) -> StoreResult<()> {
                sqlx::query("INSERT INTO webhook_refusals (webhook_id, refused_at, reason) VALUES ($1, $2, $3) ON CONFLICT (webhook_id) DO UPDATE SET refused_at = excluded.refused_at, reason = excluded.reason")
                    .bind(webhook_id)
                    .bind(at)
                    .bind(reason)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn last_webhook_refusal(&self, webhook_id: &str) -> StoreResult<Option<(i64, String)>> {
                let row = sqlx::query("SELECT refused_at, reason FROM webhook_refusals WHERE webhook_id = $1")
                    .bind(webhook_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| Ok((r.try_get("refused_at")?, r.try_get("reason")?)))
                    .transpose()
            }

            async fn create_trigger(&self, t: &TriggerRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO cron_triggers (id, workspace_id, project_id, workflow_id, cron, timezone, trigger_payload, trigger_steps, excluded_step_ids, enabled, next_fire_at, last_fired_at, last_run_id, last_error, claimed_by, claim_until, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)")
                    .bind(&t.id)
                    .bind(&t.workspace_id)
                    .bind(&t.project_id)
                    .bind(&t.workflow_id)
                    .bind(&t.cron)
                    .bind(&t.timezone)
                    .bind(Json(&t.trigger_payload))
                    .bind(Json(&t.trigger_steps))
                    .bind(Json(&t.excluded_step_ids))
                    .bind(t.enabled)
                    .bind(t.next_fire_at)
                    .bind(t.last_fired_at)
                    .bind(&t.last_run_id)
                    .bind(&t.last_error)
                    .bind(&t.claimed_by)
                    .bind(t.claim_until)
                    .bind(&t.created_by)
                    .bind(t.created_at)
                    .bind(t.updated_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn trigger(&self, workflow_id: &str, id: &str) -> StoreResult<Option<TriggerRecord>> {
                Ok(self
                    .triggers_where("id = $1 AND workflow_id = $2", &[id, workflow_id])
                    .await?
                    .into_iter()
                    .next())
            }

            async fn list_triggers(&self, workflow_id: &str) -> StoreResult<Vec<TriggerRecord>> {
                self.triggers_where("workflow_id = $1 ORDER BY created_at, id", &[workflow_id])
                    .await
            }

            async fn update_trigger(&self, id: &str, patch: &TriggerPatch, at: i64) -> StoreResult<bool> {
                let (set_next, next) = match patch.next_fire_at {
                    Some(next) => (true, next),
                    None => (false, None),
                };
                let done = sqlx::query("UPDATE cron_triggers SET cron = COALESCE($2, cron), timezone = COALESCE($3, timezone), trigger_payload = COALESCE($4, trigger_payload), trigger_steps = COALESCE($5, trigger_steps), excluded_step_ids = COALESCE($6, excluded_step_ids), enabled = COALESCE($7, enabled), next_fire_at = CASE WHEN $8 THEN $9 ELSE next_fire_at END, updated_at = $10 WHERE id = $1")
                    .bind(id)
                    .bind(&patch.cron)
                    .bind(&patch.timezone)
                    .bind(patch.trigger_payload.as_ref().map(Json))
                    .bind(patch.trigger_steps.as_ref().map(Json))
                    .bind(patch.excluded_step_ids.as_ref().map(Json))
                    .bind(patch.enabled)
                    .bind(set_next)
                    .bind(next)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_trigger(&self, id: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM cron_triggers WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn due_triggers(&self, now: i64, limit: i64) -> StoreResult<Vec<TriggerRecord>> {
                let sql = format!("SELECT {TRIGGER_COLUMNS} FROM cron_triggers WHERE enabled AND next_fire_at <= $1 AND (claim_until IS NULL OR claim_until <= $1) ORDER BY next_fire_at, id LIMIT $2");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(trigger_from_row).collect()
            }

            async fn claim_fire(&self, id: &str, due_at: i64, node: &str, now: i64, claim_until: i64) -> StoreResult<bool> {
                // One statement: under concurrent claims the database serializes the row
                // update, and the loser's WHERE no longer matches the winner's new row.
                let done = sqlx::query("UPDATE cron_triggers SET claimed_by = $3, claim_until = $5 WHERE id = $1 AND enabled AND next_fire_at = $2 AND (claim_until IS NULL OR claim_until <= $4)")
                    .bind(id)
                    .bind(due_at)
                    .bind(node)
                    .bind(now)
                    .bind(claim_until)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_fire(&self, id: &str, due_at: i64, node: &str, o: &FireOutcome) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE cron_triggers SET next_fire_at = $4, last_fired_at = $5, last_run_id = COALESCE($6, last_run_id), last_error = $7, claimed_by = NULL, claim_until = NULL WHERE id = $1 AND next_fire_at = $2 AND claimed_by = $3")
                    .bind(id)
                    .bind(due_at)
                    .bind(node)
                    .bind(o.next_fire_at)
                    .bind(o.fired_at)
                    .bind(&o.run_id)
                    .bind(&o.error)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use impl_automation_store;

//! Reuse of connections across calls: one live connection per target (HTTP session
//! or child process), opened on first use, reopened when it died or a call showed it
//! broken, closed when idle. A call whose connection broke before the request reached
//! the server is sent once more on a new connection (see [`crate::heal`]).

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Mutex;

use crate::client::{CallOptions, McpClient, ToolInfo};
use crate::connect::{ConnectOptions, connect};
use crate::error::McpError;
use crate::heal::{CallFailure, Damage};
use crate::health::PoolHealth;
use crate::target::McpTarget;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// How connections are opened.
    pub connect: ConnectOptions,
    /// A connection unused this long is closed (a stdio child is stopped).
    pub idle_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            connect: ConnectOptions::default(),
            idle_timeout: Duration::from_secs(300),
        }
    }
}

/// One target's connection; its own lock so connecting one target never waits
/// for another.
type Slot = Arc<Mutex<Option<Arc<McpClient>>>>;

/// Hands out live connections to MCP servers and runs calls on them.
///
/// Create it inside a Tokio runtime: it starts a background task that closes idle
/// connections, which ends when the pool is dropped.
pub struct McpClientPool {
    config: PoolConfig,
    slots: std::sync::Mutex<HashMap<McpTarget, Slot>>,
}

impl McpClientPool {
    /// A pool with `config`, and its idle reaper started.
    pub fn new(config: PoolConfig) -> Arc<Self> {
        let pool = Arc::new(Self {
            config,
            slots: std::sync::Mutex::new(HashMap::new()),
        });
        tokio::spawn(reap_idle(Arc::downgrade(&pool)));
        pool
    }

    /// The live connection for `target`, opening (or reopening) it if needed.
    pub async fn client(&self, target: &McpTarget) -> Result<Arc<McpClient>, McpError> {
        let slot = self.slot(target);
        let mut current = slot.lock().await;
        if let Some(client) = current.as_ref()
            && !client.is_closed()
        {
            return Ok(Arc::clone(client));
        }
        if let Some(dead) = current.take() {
            tracing::debug!(
                target = ?target,
                pid = ?dead.pid(),
                age = ?dead.health().age,
                "MCP connection closed or given up; reconnecting"
            );
            // Calls still running on a given-up connection end on their own; it
            // closes when the last of them lets go of it.
            if dead.in_flight() == 0 {
                dead.shut_down();
            }
        }
        let client = Arc::new(connect(target, &self.config.connect).await?);
        tracing::debug!(
            target = ?target,
            pid = ?client.pid(),
            protocol = ?client.protocol_version(),
            "MCP connection opened"
        );
        *current = Some(Arc::clone(&client));
        Ok(client)
    }

    /// Lists the tools of `target`, connecting within `timeout`.
    pub async fn list_tools(
        &self,
        target: &McpTarget,
        timeout: Duration,
    ) -> Result<Vec<ToolInfo>, McpError> {
        let started = tokio::time::Instant::now();
        let client = tokio::time::timeout(timeout, self.client(target))
            .await
            .map_err(|_| McpError::Timeout { after: timeout })??;
        client
            .list_tools(timeout.saturating_sub(started.elapsed()))
            .await
    }

    /// Calls `tool` on `target`. `options.timeout` and `options.cancel` bound the
    /// whole operation, connecting included.
    ///
    /// A transport error or a timeout gives the connection up, so the next call opens
    /// a new one. The call itself is sent once more, on a new connection and within
    /// what is left of the timeout, when the request never reached the server — or
    /// when it may have, but the server marks the tool idempotent or read-only.
    pub async fn call_tool(
        &self,
        target: &McpTarget,
        tool: &str,
        args: Value,
        options: &CallOptions,
    ) -> Result<Value, McpError> {
        let started = tokio::time::Instant::now();
        let failure = match self
            .attempt(target, tool, args.clone(), options, started)
            .await
        {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        if !self
            .may_send_again(&failure, target, tool, options, started)
            .await
        {
            return Err(failure.error);
        }
        tracing::debug!(
            target = ?target,
            tool,
            error = %failure.error,
            "MCP connection broke; sending the call again on a new connection"
        );
        self.attempt(target, tool, args, options, started)
            .await
            .map_err(|second| second.error)
    }

    /// One try of a call: the pooled connection (opened if needed), then the call on
    /// it. A failure that shows the connection broken or hung gives it up.
    async fn attempt(
        &self,
        target: &McpTarget,
        tool: &str,
        args: Value,
        options: &CallOptions,
        started: tokio::time::Instant,
    ) -> Result<Value, CallFailure> {
        let client = self
            .client_within(target, options, started)
            .await
            .map_err(CallFailure::harmless)?;
        let remaining = CallOptions {
            timeout: options.timeout.saturating_sub(started.elapsed()),
            ..options.clone()
        };
        let mut failure = match client.try_call_tool(tool, args, &remaining).await {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        if let McpError::Timeout { .. } = failure.error {
            // Report the caller's timeout, not what was left of it.
            failure.error = McpError::Timeout {
                after: options.timeout,
            };
        }
        if failure.damage != Damage::None {
            tracing::debug!(
                target = ?target,
                pid = ?client.pid(),
                age = ?client.health().age,
                error = %failure.error,
                "giving up the MCP connection"
            );
            client.give_up();
        }
        Err(failure)
    }

    /// Whether a failed call may be sent again: its connection broke, time is left,
    /// and the request cannot have run — or the tool says a repeat is harmless.
    async fn may_send_again(
        &self,
        failure: &CallFailure,
        target: &McpTarget,
        tool: &str,
        options: &CallOptions,
        started: tokio::time::Instant,
    ) -> bool {
        if options.cancel.is_cancelled() || started.elapsed() >= options.timeout {
            return false;
        }
        match failure.damage {
            Damage::None => false,
            Damage::NotDelivered => true,
            // Asked of the new connection, which the second try then uses.
            Damage::MaybeRun => match self.client_within(target, options, started).await {
                Ok(fresh) => {
                    let left = options.timeout.saturating_sub(started.elapsed());
                    fresh.may_repeat(tool, left).await
                }
                Err(_) => false,
            },
        }
    }

    /// [`Self::client`] bounded by what is left of the call's timeout and by its
    /// cancellation.
    async fn client_within(
        &self,
        target: &McpTarget,
        options: &CallOptions,
        started: tokio::time::Instant,
    ) -> Result<Arc<McpClient>, McpError> {
        let left = options.timeout.saturating_sub(started.elapsed());
        tokio::select! {
            biased;
            _ = options.cancel.cancelled() => Err(McpError::Cancelled),
            connected = tokio::time::timeout(left, self.client(target)) => connected
                .map_err(|_| McpError::Timeout { after: options.timeout })?,
        }
    }

    /// The live connections: target (nothing secret), transport, age, idle time,
    /// calls in flight. A target whose connection is being opened right now is not in
    /// it (its slot is busy and is not waited for, so this never blocks).
    pub fn health(&self) -> PoolHealth {
        let slots: Vec<Slot> = self.slots_lock().values().cloned().collect();
        let connections = slots
            .iter()
            .filter_map(|slot| {
                let current = slot.try_lock().ok()?;
                current
                    .as_ref()
                    .filter(|client| !client.is_closed())
                    .map(|client| client.health())
            })
            .collect();
        PoolHealth { connections }
    }

    /// Closes the connection to `target`, if any (e.g. after its profile changed).
    pub async fn evict(&self, target: &McpTarget) {
        let slot = self.slots_lock().remove(target);
        if let Some(slot) = slot
            && let Some(client) = slot.lock().await.take()
        {
            client.shut_down();
        }
    }

    /// How many targets currently hold a live connection.
    pub async fn live_connections(&self) -> usize {
        let slots: Vec<Slot> = self.slots_lock().values().cloned().collect();
        let mut live = 0;
        for slot in slots {
            if slot.lock().await.as_ref().is_some_and(|c| !c.is_closed()) {
                live += 1;
            }
        }
        live
    }

    fn slot(&self, target: &McpTarget) -> Slot {
        Arc::clone(self.slots_lock().entry(target.clone()).or_default())
    }

    fn slots_lock(&self) -> std::sync::MutexGuard<'_, HashMap<McpTarget, Slot>> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (single insert/remove), so a poisoned lock is still usable.
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn close_idle(&self) {
        for connection in self.health().connections {
            tracing::debug!(
                target = %connection.target,
                transport = connection.transport,
                age = ?connection.age,
                idle = ?connection.idle,
                in_flight = connection.in_flight,
                pid = ?connection.pid,
                "MCP connection"
            );
        }
        let idle = self.config.idle_timeout;
        let slots: Vec<Slot> = self.slots_lock().values().cloned().collect();
        for slot in slots {
            // A slot being connected is busy, not idle: skip it.
            let Ok(mut current) = slot.try_lock() else {
                continue;
            };
            if current
                .as_ref()
                .is_some_and(|c| c.is_closed() || c.is_idle_for(idle))
                && let Some(client) = current.take()
            {
                tracing::debug!(pid = ?client.pid(), "closing idle MCP connection");
                if client.in_flight() == 0 {
                    client.shut_down();
                }
            }
        }
    }
}

impl Drop for McpClientPool {
    fn drop(&mut self) {
        let slots = std::mem::take(&mut *self.slots_lock());
        for slot in slots.into_values() {
            if let Ok(mut current) = slot.try_lock()
                && let Some(client) = current.take()
            {
                client.shut_down();
            }
        }
    }
}

async fn reap_idle(pool: Weak<McpClientPool>) {
    let period = match pool.upgrade() {
        Some(pool) => (pool.config.idle_timeout / 4).max(Duration::from_millis(50)),
        None => return,
    };
    let mut ticker = tokio::time::interval(period);
    loop {
        ticker.tick().await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        pool.close_idle().await;
    }
}

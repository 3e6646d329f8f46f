//! Reuse of connections across calls: one live connection per owner and target (HTTP
//! session or child process), opened on first use, reopened when it died or a call
//! showed it broken, closed when idle. A call whose connection broke before the request
//! reached the server is sent once more on a new connection (see [`crate::heal`]).
//!
//! Connections are keyed by their [`Owner`] and their [`McpTarget`] (credentials
//! included), so two workspaces never share a child process or a session, and neither
//! do two profiles with different secrets. Stdio children are capped per workspace and
//! overall ([`ChildLimits`]): at a cap, the least recently used idle child (of the
//! workspace, or of anyone at the overall cap) is closed to make room; when every child
//! under the cap is busy, the call fails with [`McpError::AtCapacity`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;

use crate::client::{CallOptions, InUse, McpClient, ToolInfo};
use crate::connect::{ConnectOptions, connect};
use crate::error::McpError;
use crate::heal::{CallFailure, Damage};
use crate::health::PoolHealth;
use crate::owner::Owner;
use crate::quota::{ChildLimits, ChildPermit, ChildQuota, Full};
use crate::target::McpTarget;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// How connections are opened.
    pub connect: ConnectOptions,
    /// A connection unused this long is closed (a stdio child is stopped).
    pub idle_timeout: Duration,
    /// Caps on stdio children.
    pub children: ChildLimits,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            connect: ConnectOptions::default(),
            idle_timeout: Duration::from_secs(300),
            children: ChildLimits::default(),
        }
    }
}

/// What a connection is found by.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    owner: Owner,
    target: McpTarget,
}

/// A live connection; a stdio child keeps its place under the caps while it lives.
struct Entry {
    client: Arc<McpClient>,
    child: Option<ChildPermit>,
}

/// Whose children may be closed to make room.
#[derive(Clone, Copy)]
enum Among<'a> {
    /// The workspace's own (its cap is full).
    Workspace(Option<&'a str>),
    /// Anyone's (the overall cap is full).
    Anyone,
}

impl Entry {
    fn is_child_among(&self, key: &Key, among: Among<'_>) -> bool {
        self.child.is_some()
            && match among {
                Among::Workspace(workspace) => key.owner.workspace_id() == workspace,
                Among::Anyone => true,
            }
    }
}

/// What the pool holds and has refused, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Stdio children running or being started.
    pub stdio_children: usize,
    pub limits: ChildLimits,
    /// Children refused since the pool started, all busy at a workspace's cap.
    pub refused_at_workspace_cap: u64,
    /// Children refused since the pool started, all busy at the overall cap.
    pub refused_at_total_cap: u64,
}

/// One key's connection; its own lock so connecting one target never waits for another.
type Slot = Arc<Mutex<Option<Entry>>>;

/// Hands out live connections to MCP servers and runs calls on them.
///
/// Create it inside a Tokio runtime: it starts a background task that closes idle
/// connections, which ends when the pool is dropped.
pub struct McpClientPool {
    config: PoolConfig,
    children: Arc<ChildQuota>,
    slots: std::sync::Mutex<HashMap<Key, Slot>>,
    refused_at_workspace_cap: AtomicU64,
    refused_at_total_cap: AtomicU64,
}

impl McpClientPool {
    /// A pool with `config`, and its idle reaper started.
    pub fn new(config: PoolConfig) -> Arc<Self> {
        let pool = Arc::new(Self {
            children: ChildQuota::new(config.children),
            config,
            slots: std::sync::Mutex::new(HashMap::new()),
            refused_at_workspace_cap: AtomicU64::new(0),
            refused_at_total_cap: AtomicU64::new(0),
        });
        tokio::spawn(reap_idle(Arc::downgrade(&pool)));
        pool
    }

    /// The live connection of `owner` to `target`, opening (or reopening) it if needed.
    ///
    /// The pool may close it once it is idle; the calls of [`Self::call_tool`] and
    /// [`Self::list_tools`] hold their connection for their whole duration.
    pub async fn client(
        &self,
        owner: &Owner,
        target: &McpTarget,
    ) -> Result<Arc<McpClient>, McpError> {
        Ok(Arc::clone(self.hold(owner, target).await?.client()))
    }

    /// Lists the tools of `target`, connecting within `timeout`.
    pub async fn list_tools(
        &self,
        owner: &Owner,
        target: &McpTarget,
        timeout: Duration,
    ) -> Result<Vec<ToolInfo>, McpError> {
        let started = tokio::time::Instant::now();
        let held = tokio::time::timeout(timeout, self.hold(owner, target))
            .await
            .map_err(|_| McpError::Timeout { after: timeout })??;
        held.client()
            .list_tools(timeout.saturating_sub(started.elapsed()))
            .await
    }

    /// Calls `tool` on `target` as `owner`. `options.timeout` and `options.cancel` bound
    /// the whole operation, connecting included.
    ///
    /// A transport error or a timeout gives the connection up, so the next call opens
    /// a new one. The call itself is sent once more, on a new connection and within
    /// what is left of the timeout, when the request never reached the server — or
    /// when it may have, but the server marks the tool idempotent or read-only.
    pub async fn call_tool(
        &self,
        owner: &Owner,
        target: &McpTarget,
        tool: &str,
        args: Value,
        options: &CallOptions,
    ) -> Result<Value, McpError> {
        let started = tokio::time::Instant::now();
        let failure = match self
            .attempt(owner, target, tool, args.clone(), options, started)
            .await
        {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        if !self
            .may_send_again(&failure, owner, target, tool, options, started)
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
        self.attempt(owner, target, tool, args, options, started)
            .await
            .map_err(|second| second.error)
    }

    /// One try of a call: the pooled connection (opened if needed), then the call on
    /// it. A failure that shows the connection broken or hung gives it up.
    async fn attempt(
        &self,
        owner: &Owner,
        target: &McpTarget,
        tool: &str,
        args: Value,
        options: &CallOptions,
        started: tokio::time::Instant,
    ) -> Result<Value, CallFailure> {
        let held = self
            .hold_within(owner, target, options, started)
            .await
            .map_err(CallFailure::harmless)?;
        let client = held.client();
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
        owner: &Owner,
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
            Damage::MaybeRun => match self.hold_within(owner, target, options, started).await {
                Ok(fresh) => {
                    let left = options.timeout.saturating_sub(started.elapsed());
                    fresh.client().may_repeat(tool, left).await
                }
                Err(_) => false,
            },
        }
    }

    /// [`Self::hold`] bounded by what is left of the call's timeout and by its
    /// cancellation.
    async fn hold_within(
        &self,
        owner: &Owner,
        target: &McpTarget,
        options: &CallOptions,
        started: tokio::time::Instant,
    ) -> Result<InUse, McpError> {
        let left = options.timeout.saturating_sub(started.elapsed());
        tokio::select! {
            biased;
            _ = options.cancel.cancelled() => Err(McpError::Cancelled),
            connected = tokio::time::timeout(left, self.hold(owner, target)) => connected
                .map_err(|_| McpError::Timeout { after: options.timeout })?,
        }
    }

    /// The live connections: target (nothing secret), transport, age, idle time,
    /// calls in flight. A connection being opened right now is not in it (its slot is
    /// busy and is not waited for, so this never blocks).
    pub fn health(&self) -> PoolHealth {
        let slots: Vec<Slot> = self.slots_lock().values().cloned().collect();
        let connections = slots
            .iter()
            .filter_map(|slot| {
                let current = slot.try_lock().ok()?;
                current
                    .as_ref()
                    .filter(|entry| !entry.client.is_closed())
                    .map(|entry| entry.client.health())
            })
            .collect();
        PoolHealth { connections }
    }

    /// Closes `owner`'s connection to `target`, if any (e.g. after its profile changed).
    pub async fn evict(&self, owner: &Owner, target: &McpTarget) {
        let key = Key {
            owner: owner.clone(),
            target: target.clone(),
        };
        let slot = self.slots_lock().remove(&key);
        if let Some(slot) = slot
            && let Some(entry) = slot.lock().await.take()
        {
            entry.client.shut_down();
        }
    }

    /// Closes `owner`'s connection to `target` unless a call is running on it (that
    /// call's owner shares it, e.g. two validations of one server at once); such a
    /// connection is closed when it goes idle, like any other.
    pub async fn release(&self, owner: &Owner, target: &McpTarget) {
        let key = Key {
            owner: owner.clone(),
            target: target.clone(),
        };
        let Some(slot) = self.slots_lock().get(&key).cloned() else {
            return;
        };
        let mut current = slot.lock().await;
        if current
            .as_ref()
            .is_some_and(|e| e.client.is_closed() || e.client.idle_since().is_some())
            && let Some(entry) = current.take()
        {
            entry.client.shut_down();
        }
    }

    /// How many connections are currently live.
    pub async fn live_connections(&self) -> usize {
        let slots: Vec<Slot> = self.slots_lock().values().cloned().collect();
        let mut live = 0;
        for slot in slots {
            if slot
                .lock()
                .await
                .as_ref()
                .is_some_and(|e| !e.client.is_closed())
            {
                live += 1;
            }
        }
        live
    }

    /// Stdio children running or being started now.
    pub fn stdio_children(&self) -> usize {
        self.children.running()
    }

    /// The children, the caps and the refusals so far.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            stdio_children: self.children.running(),
            limits: self.children.limits(),
            refused_at_workspace_cap: self.refused_at_workspace_cap.load(Ordering::Relaxed),
            refused_at_total_cap: self.refused_at_total_cap.load(Ordering::Relaxed),
        }
    }

    /// The connection of `owner` to `target`, held for a call: opened if needed, within
    /// the caps for a stdio child.
    async fn hold(&self, owner: &Owner, target: &McpTarget) -> Result<InUse, McpError> {
        let slot = self.slot(owner, target);
        let mut current = slot.lock().await;
        if let Some(entry) = current.as_ref()
            && !entry.client.is_closed()
        {
            return Ok(entry.client.in_use());
        }
        if let Some(dead) = current.take() {
            tracing::debug!(
                target = ?target,
                pid = ?dead.client.pid(),
                age = ?dead.client.health().age,
                "MCP connection closed or given up; reconnecting"
            );
            // Calls still running on a given-up connection end on their own; it
            // closes when the last of them lets go of it.
            if dead.client.in_flight() == 0 {
                dead.client.shut_down();
            }
        }
        let child = match target {
            McpTarget::Stdio { .. } => Some(self.place_for_child(owner)?),
            McpTarget::Http { .. } => None,
        };
        let client = Arc::new(connect(target, &self.config.connect).await?);
        tracing::debug!(
            target = ?target,
            workspace = ?owner.workspace_id(),
            pid = ?client.pid(),
            protocol = ?client.protocol_version(),
            "MCP connection opened"
        );
        let held = client.in_use();
        *current = Some(Entry { client, child });
        Ok(held)
    }

    /// A place under the caps for a new child of `owner`, closing least recently used
    /// idle children to make one.
    fn place_for_child(&self, owner: &Owner) -> Result<ChildPermit, McpError> {
        loop {
            let full = match self.children.try_reserve(owner.workspace_id()) {
                Ok(place) => return Ok(place),
                Err(full) => full,
            };
            let among = match full {
                Full::Workspace => Among::Workspace(owner.workspace_id()),
                Full::Server => Among::Anyone,
            };
            if !self.close_least_recently_used(among) {
                let limits = self.children.limits();
                let (workspace, limit, refusals) = match full {
                    Full::Workspace => (true, limits.per_workspace, &self.refused_at_workspace_cap),
                    Full::Server => (false, limits.total, &self.refused_at_total_cap),
                };
                refusals.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    workspace = ?owner.workspace_id(),
                    limit,
                    per_workspace = workspace,
                    "MCP stdio children at their cap, all busy: a connection was refused"
                );
                return Err(McpError::AtCapacity { workspace, limit });
            }
        }
    }

    /// Closes the least recently used idle (or dead) child `among` the given owners.
    /// False when every such child is busy or being started.
    fn close_least_recently_used(&self, among: Among<'_>) -> bool {
        let slots: Vec<(Key, Slot)> = self
            .slots_lock()
            .iter()
            .map(|(key, slot)| (key.clone(), Arc::clone(slot)))
            .collect();
        // A slot locked by someone is busy (being connected or handed out): skipped.
        // Ranked by (alive, idle since): a dead child goes first; a busy one never.
        type Rank = (bool, Instant);
        let mut oldest: Option<(Rank, tokio::sync::MutexGuard<'_, Option<Entry>>)> = None;
        for (key, slot) in &slots {
            let Ok(guard) = slot.try_lock() else {
                continue;
            };
            let Some(entry) = guard.as_ref().filter(|e| e.is_child_among(key, among)) else {
                continue;
            };
            let rank = if entry.client.is_closed() {
                Some((false, Instant::now()))
            } else {
                entry.client.idle_since().map(|since| (true, since))
            };
            if let Some(rank) = rank
                && oldest.as_ref().is_none_or(|(best, _)| rank < *best)
            {
                oldest = Some((rank, guard));
            }
        }
        let Some((_, mut guard)) = oldest else {
            return false;
        };
        if let Some(entry) = guard.take() {
            tracing::debug!(pid = ?entry.client.pid(), "closing the least recently used MCP child to make room");
            entry.client.shut_down();
        }
        true
    }

    fn slot(&self, owner: &Owner, target: &McpTarget) -> Slot {
        let key = Key {
            owner: owner.clone(),
            target: target.clone(),
        };
        Arc::clone(self.slots_lock().entry(key).or_default())
    }

    fn slots_lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Slot>> {
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
                .is_some_and(|e| e.client.is_closed() || e.client.is_idle_for(idle))
                && let Some(entry) = current.take()
            {
                tracing::debug!(pid = ?entry.client.pid(), "closing idle MCP connection");
                if entry.client.in_flight() == 0 {
                    entry.client.shut_down();
                }
            }
        }
        // Forget keys without a connection that no one is using, so the map stays as
        // small as the live connections (a key holds credentials and is per tenant).
        self.slots_lock().retain(|_, slot| {
            Arc::strong_count(slot) > 1 || slot.try_lock().map_or(true, |s| s.is_some())
        });
    }
}

impl Drop for McpClientPool {
    fn drop(&mut self) {
        let slots = std::mem::take(&mut *self.slots_lock());
        for slot in slots.into_values() {
            if let Ok(mut current) = slot.try_lock()
                && let Some(entry) = current.take()
            {
                entry.client.shut_down();
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

//! [`LuaRuntime`]: one sandboxed state reused across executions.

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hashlink::LruCache;
use mlua::chunk::ChunkMode;
use mlua::{Function, Table, Value};
use serde_json::{Map, Value as Json};

use crate::convert::{ToJsonError, ToLuaError, json_to_lua, render_path, table_to_json_object};
use crate::error::{CHUNK_NAME, LuaError, clean_runtime_message, split_syntax_message};
use crate::limits::{LuaLimits, MAX_NESTING_DEPTH};
use crate::sandbox::Sandbox;
use crate::watchdog::Watchdog;

/// Compiled chunks kept per runtime, least recently used evicted first.
const CHUNK_CACHE_CAPACITY: usize = 128;

/// Garbage the state may accumulate before a full collection is forced after
/// an execution (Luau's incremental collector normally keeps up by itself).
const FORCED_COLLECTION_SLACK: usize = 16 * 1024 * 1024;

/// Injected tables keyed by step ids, which get the `steps.fetch_x` →
/// `steps["fetch-x"]` alias.
const ID_KEYED_GLOBALS: &[&[&str]] = &[&["steps"], &["body"], &["loop", "prev"]];

/// A reusable sandboxed Luau state (one per worker thread). `Send`, not `Sync`.
///
/// Each [`execute`](Self::execute) runs in a fresh environment table, so
/// globals a script sets never reach the next execution; the libraries and the
/// string metatable are read-only. Compiled chunks are cached by source.
/// After a limit is hit the state is cleaned up (or rebuilt when cleaning
/// fails), so the runtime stays usable.
pub struct LuaRuntime {
    limits: LuaLimits,
    sandbox: Sandbox,
    watchdog: Arc<Watchdog>,
    chunks: LruCache<Box<str>, Function>,
    /// Heap size after the last full collection.
    collected_heap_bytes: usize,
    _not_sync: PhantomData<Cell<()>>,
}

impl LuaRuntime {
    /// Builds the sandboxed state.
    pub fn new(limits: LuaLimits) -> Result<Self, LuaError> {
        let (sandbox, watchdog) = build_state(&limits)?;
        let collected_heap_bytes = sandbox.lua.used_memory();
        Ok(Self {
            limits,
            sandbox,
            watchdog,
            chunks: LruCache::new(CHUNK_CACHE_CAPACITY),
            collected_heap_bytes,
            _not_sync: PhantomData,
        })
    }

    /// The limits this runtime enforces.
    pub fn limits(&self) -> &LuaLimits {
        &self.limits
    }

    /// Runs `script` with the given globals injected (names: `input`, `steps`,
    /// `run`, `connection`, `item`, `index`, `foreach`, `body`, `loop` —
    /// whatever the caller passes; a name may not shadow a library such as
    /// `string` or `json`). `timeout` `None` means the default; any value is
    /// capped at `max_timeout`. Returns the script's returned table as a JSON
    /// object.
    pub fn execute(
        &mut self,
        script: &str,
        globals: &[(&str, &Json)],
        timeout: Option<Duration>,
    ) -> Result<Map<String, Json>, LuaError> {
        self.execute_cancellable(script, globals, timeout, None)
    }

    /// [`execute`](Self::execute), also stopped (as [`LuaError::Cancelled`]) soon after
    /// another thread raises `cancel`: a caller that no longer wants the result need not
    /// wait for the time limit.
    pub fn execute_cancellable(
        &mut self,
        script: &str,
        globals: &[(&str, &Json)],
        timeout: Option<Duration>,
        cancel: Option<&Arc<AtomicBool>>,
    ) -> Result<Map<String, Json>, LuaError> {
        check_source_size(script, self.limits.max_source_bytes)?;
        if let Some((name, _)) = globals
            .iter()
            .find(|(name, _)| self.sandbox.is_reserved(name))
        {
            return Err(LuaError::InvalidGlobal {
                name: (*name).to_string(),
                reason: "the name is taken by a built-in library or function".to_string(),
            });
        }
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(LuaError::Cancelled);
        }
        let chunk = self.compiled(script)?;
        let limit = self.limits.effective_timeout(timeout);
        let outcome = self.run(&chunk, globals, limit, cancel);
        self.recover(&chunk, &outcome);
        outcome
    }

    /// The compiled chunk for `script`, from the cache when possible.
    fn compiled(&mut self, script: &str) -> Result<Function, LuaError> {
        if let Some(chunk) = self.chunks.get(script) {
            return Ok(chunk.clone());
        }
        let chunk = self
            .sandbox
            .lua
            .load(script)
            .set_name(format!("={CHUNK_NAME}"))
            .set_mode(ChunkMode::Text)
            .into_function()
            .map_err(|err| classify(err, &self.limits))?;
        self.chunks.insert(script.into(), chunk.clone());
        Ok(chunk)
    }

    fn run(
        &self,
        chunk: &Function,
        globals: &[(&str, &Json)],
        limit: Duration,
        cancel: Option<&Arc<AtomicBool>>,
    ) -> Result<Map<String, Json>, LuaError> {
        // The memory limit covers what the script allocates, so it is set
        // after injection: the injected data is bounded by the caller's JSON,
        // which is in memory already.
        let env = self.fresh_env(globals)?;
        chunk.set_environment(env).map_err(internal)?;

        let lua = &self.sandbox.lua;
        let budget = lua.used_memory().saturating_add(self.limits.memory_bytes);
        lua.set_memory_limit(budget).map_err(internal)?;
        self.watchdog.arm(limit, cancel.cloned());
        let returned = chunk
            .call::<Value>(())
            .map_err(|err| classify(err, &self.limits));
        let timed_out = self.watchdog.disarm();
        lua.set_memory_limit(0).map_err(internal)?;

        if timed_out {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Err(LuaError::Cancelled);
            }
            return Err(LuaError::Timeout { limit });
        }
        self.result_to_object(returned?)
    }

    /// A new environment holding the injected globals.
    fn fresh_env(&self, globals: &[(&str, &Json)]) -> Result<Table, LuaError> {
        let env = self
            .sandbox
            .new_env(globals.len())
            .map_err(|err| classify(err, &self.limits))?;
        for (name, value) in globals {
            let value = json_to_lua(&self.sandbox.lua, &self.sandbox.marker, value).map_err(
                |err| match err {
                    ToLuaError::TooDeep => LuaError::InvalidGlobal {
                        name: (*name).to_string(),
                        reason: format!("it is nested more than {MAX_NESTING_DEPTH} levels deep"),
                    },
                    ToLuaError::Lua(err) => classify(err, &self.limits),
                },
            )?;
            env.raw_set(*name, value)
                .map_err(|err| classify(err, &self.limits))?;
        }
        self.add_dash_aliases(&env)
            .map_err(|err| classify(err, &self.limits))?;
        Ok(env)
    }

    fn add_dash_aliases(&self, env: &Table) -> mlua::Result<()> {
        for path in ID_KEYED_GLOBALS {
            let mut current = env.clone();
            let mut found = true;
            for segment in *path {
                match current.raw_get::<Value>(*segment)? {
                    Value::Table(next) => current = next,
                    _ => {
                        found = false;
                        break;
                    }
                }
            }
            if found {
                self.sandbox.add_dash_alias(&current)?;
            }
        }
        Ok(())
    }

    fn result_to_object(&self, value: Value) -> Result<Map<String, Json>, LuaError> {
        let table = match value {
            Value::Table(table) => table,
            other => {
                return Err(LuaError::NotATable {
                    got: describe(&other),
                });
            }
        };
        match table_to_json_object(&self.sandbox.lua, &self.sandbox.marker, &table, self.limits.max_result_bytes) {
            Ok(Some(object)) => Ok(object),
            Ok(None) => Err(LuaError::NotATable {
                got: "an array (a sequence table); wrap it in a field, e.g. `return { items = list }`".to_string(),
            }),
            Err(ToJsonError::TooLarge) => Err(LuaError::ResultTooLarge { limit: self.limits.max_result_bytes }),
            Err(ToJsonError::Unconvertible { path, reason }) => Err(LuaError::Unconvertible {
                path: render_path("result", &path),
                reason,
            }),
            Err(ToJsonError::Lua(err)) => Err(classify(err, &self.limits)),
        }
    }

    /// Leaves the state clean for the next execution: detaches the chunk from
    /// this execution's environment, reclaims garbage after a limit was hit or
    /// the heap grew a lot, and rebuilds the state if anything looks broken.
    fn recover(&mut self, chunk: &Function, outcome: &Result<Map<String, Json>, LuaError>) {
        let parked = chunk
            .set_environment(self.sandbox.idle_env().clone())
            .is_ok();
        let hit_limit = matches!(
            outcome,
            Err(LuaError::MemoryLimit { .. } | LuaError::Timeout { .. } | LuaError::Cancelled)
        );
        let broken = !parked || matches!(outcome, Err(LuaError::Internal { .. }));

        let lua = &self.sandbox.lua;
        let grew = lua.used_memory()
            > self
                .collected_heap_bytes
                .saturating_add(FORCED_COLLECTION_SLACK);
        let collected = if hit_limit || grew {
            lua.gc_collect().is_ok()
        } else {
            true
        };
        if collected && (hit_limit || grew) {
            self.collected_heap_bytes = lua.used_memory();
        }
        if broken || !collected {
            self.rebuild();
        }
    }

    /// Replaces the state with a new one. If that fails too, the old state is
    /// kept (it is still sandboxed; the next execution reports any problem).
    fn rebuild(&mut self) {
        if let Ok((sandbox, watchdog)) = build_state(&self.limits) {
            self.chunks.clear();
            self.collected_heap_bytes = sandbox.lua.used_memory();
            self.sandbox = sandbox;
            self.watchdog = watchdog;
        }
    }
}

fn build_state(limits: &LuaLimits) -> Result<(Sandbox, Arc<Watchdog>), LuaError> {
    let sandbox = Sandbox::new(limits).map_err(internal)?;
    let watchdog = Watchdog::install(&sandbox.lua);
    Ok((sandbox, watchdog))
}

pub(crate) fn check_source_size(script: &str, limit: usize) -> Result<(), LuaError> {
    if script.len() > limit {
        return Err(LuaError::SourceTooLarge {
            size: script.len(),
            limit,
        });
    }
    Ok(())
}

/// Maps an mlua error raised while loading or running a script.
pub(crate) fn classify(err: mlua::Error, limits: &LuaLimits) -> LuaError {
    match err {
        mlua::Error::MemoryError(_) => LuaError::MemoryLimit {
            limit: limits.memory_bytes,
        },
        mlua::Error::SyntaxError { message, .. } => {
            let (line, message) = split_syntax_message(&message);
            LuaError::Syntax { line, message }
        }
        mlua::Error::RuntimeError(message) => LuaError::Runtime {
            message: clean_runtime_message(&message),
        },
        mlua::Error::CallbackError { cause, .. } => classify((*cause).clone(), limits),
        mlua::Error::WithContext { cause, .. } => classify((*cause).clone(), limits),
        other => LuaError::Runtime {
            message: clean_runtime_message(&other.to_string()),
        },
    }
}

fn internal(err: mlua::Error) -> LuaError {
    LuaError::Internal {
        message: err.to_string(),
    }
}

/// How a non-table return value is named in [`LuaError::NotATable`].
fn describe(value: &Value) -> String {
    match value {
        Value::Nil => "nothing (nil)".to_string(),
        Value::Boolean(b) => format!("a boolean ({b})"),
        Value::Integer(i) => format!("a number ({i})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => {
            let text = s.to_string_lossy();
            let shown: String = text.chars().take(40).collect();
            let ellipsis = if shown.len() < text.len() { "…" } else { "" };
            format!("a string ({shown:?}{ellipsis})")
        }
        Value::LightUserData(p) if p.0.is_null() => "json.null".to_string(),
        other => format!("a {}", other.type_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chunk_cache_is_bounded() {
        let mut runtime = LuaRuntime::new(LuaLimits::default()).expect("runtime");
        for i in 0..(CHUNK_CACHE_CAPACITY + 50) {
            let script = format!("return {{ i = {i} }}");
            assert_eq!(
                runtime.execute(&script, &[], None).expect("runs")["i"],
                json!(i)
            );
        }
        assert_eq!(runtime.chunks.len(), CHUNK_CACHE_CAPACITY);
    }

    #[test]
    fn heap_stays_bounded_over_many_executions() {
        let mut runtime = LuaRuntime::new(LuaLimits::default()).expect("runtime");
        let input = json!({ "items": (0..200).map(|i| json!({ "id": i, "name": format!("n{i}") })).collect::<Vec<_>>() });
        for _ in 0..2000 {
            runtime
                .execute("local out = {} for _, it in ipairs(input.items) do out[#out + 1] = it.name end return { out = out }", &[("input", &input)], None)
                .expect("runs");
        }
        let heap = runtime.sandbox.lua.used_memory();
        assert!(
            heap < 2 * FORCED_COLLECTION_SLACK,
            "heap grew to {heap} bytes"
        );
    }

    #[test]
    fn effective_timeout_uses_default_and_cap() {
        let limits = LuaLimits::default();
        assert_eq!(limits.effective_timeout(None), Duration::from_secs(5));
        assert_eq!(
            limits.effective_timeout(Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            limits.effective_timeout(Some(Duration::from_secs(300))),
            Duration::from_secs(30)
        );
    }
}

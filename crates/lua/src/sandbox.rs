//! Building the sandboxed Luau state shared by every execution of a runtime.
//!
//! Only the basic, string, table, math, utf8 and bit32 libraries plus `json`
//! exist. Everything shared is read-only (Luau's `sandbox` mode freezes the
//! library tables, the string metatable and the globals table), and each
//! execution runs in its own environment table whose `__index` is those
//! read-only globals, so nothing a script does outlives it.

use std::collections::HashSet;

use mlua::state::{GcIncParams, GcMode};
use mlua::{Lua, LuaOptions, MultiValue, StdLib, Table, Value};

use crate::convert::ArrayMarker;
use crate::json_lib;
use crate::limits::LuaLimits;

/// Base-library globals scripts may use. Everything else Luau or mlua defines
/// (`require`, `loadstring`, `getfenv`, `setfenv`, `newproxy`,
/// `collectgarbage`, `gcinfo`, `_G`, …) is removed.
const ALLOWED_BASE_GLOBALS: &[&str] = &[
    "_VERSION",
    "assert",
    "error",
    "getmetatable",
    "ipairs",
    "next",
    "pairs",
    "pcall",
    "rawequal",
    "rawget",
    "rawlen",
    "rawset",
    "select",
    "setmetatable",
    "tonumber",
    "tostring",
    "type",
    "typeof",
    "unpack",
    "xpcall",
];

/// Heap growth (percent of live data) before the collector starts a new
/// cycle; Luau's default is 200.
const GC_GOAL_PERCENT: i32 = 400;

/// Libraries loaded besides the base library.
const ALLOWED_LIBRARIES: &[&str] = &["string", "table", "math", "utf8", "bit32"];

/// `__index` for tables keyed by step ids: `steps.fetch_x` falls back to
/// `steps["fetch-x"]` when there is no `fetch_x` key.
const DASH_ALIAS_INDEX: &str = r#"
local rawget, find, gsub, type = rawget, string.find, string.gsub, type
return function(t, key)
    if type(key) == "string" and find(key, "_", 1, true) then
        return rawget(t, (gsub(key, "_", "-")))
    end
    return nil
end
"#;

/// The state plus the shared, read-only tables every execution uses.
pub(crate) struct Sandbox {
    pub(crate) lua: Lua,
    pub(crate) marker: ArrayMarker,
    /// Metatable of each execution's environment: `{ __index = globals }`.
    env_metatable: Table,
    /// Metatable that gives id-keyed tables their `_` → `-` alias.
    alias_metatable: Table,
    /// Environment parked on cached chunks between executions, so a chunk does
    /// not keep the previous execution's data alive.
    idle_env: Table,
    /// Names an injected global may not take (they would shadow a library).
    reserved_names: HashSet<String>,
}

impl Sandbox {
    pub(crate) fn new(limits: &LuaLimits) -> mlua::Result<Self> {
        let libs = StdLib::STRING | StdLib::TABLE | StdLib::MATH | StdLib::UTF8 | StdLib::BIT;
        let lua = Lua::new_with(libs, LuaOptions::new())?;
        let globals = lua.globals();

        remove_unlisted_globals(&globals)?;
        // `print` would write to the server's stdout; scripts may call it, it does nothing.
        globals.raw_set("print", lua.create_function(|_, _: MultiValue| Ok(()))?)?;

        let marker = ArrayMarker::new(protected_metatable(&lua, "json.array")?);
        globals.raw_set(
            "json",
            json_lib::create(&lua, &marker, limits.memory_bytes)?,
        )?;

        let alias_index: mlua::Function = lua.load(DASH_ALIAS_INDEX).set_name("=steps").call(())?;
        let alias_metatable = protected_metatable(&lua, "steps")?;
        alias_metatable.set_readonly(false);
        alias_metatable.raw_set("__index", alias_index)?;
        alias_metatable.set_readonly(true);

        let env_metatable = lua.create_table()?;
        env_metatable.raw_set("__index", globals.clone())?;
        env_metatable.raw_set("__metatable", false)?;
        env_metatable.set_readonly(true);

        let reserved_names = globals
            .pairs::<String, Value>()
            .map(|pair| pair.map(|(name, _)| name))
            .collect::<mlua::Result<HashSet<_>>>()?;

        // Freeze the libraries, the string metatable and the globals table.
        lua.sandbox(true)?;
        // The live heap is small (libraries, cached chunks, one execution's
        // data), so letting it grow further between collection cycles costs
        // little memory and saves collector work on every execution.
        lua.gc_set_mode(GcMode::Incremental(
            GcIncParams::default().goal(GC_GOAL_PERCENT),
        ));

        let idle_env = lua.create_table()?;
        idle_env.set_readonly(true);

        Ok(Self {
            lua,
            marker,
            env_metatable,
            alias_metatable,
            idle_env,
            reserved_names,
        })
    }

    /// A fresh, empty environment for one execution.
    pub(crate) fn new_env(&self, capacity: usize) -> mlua::Result<Table> {
        let env = self.lua.create_table_with_capacity(0, capacity)?;
        env.set_metatable(Some(self.env_metatable.clone()))?;
        // Lets Luau use its fast paths for library calls; safe because the
        // libraries are read-only and injected names cannot shadow them.
        env.set_safeenv(true);
        Ok(env)
    }

    /// Whether `name` belongs to the sandbox (a library or builtin function).
    pub(crate) fn is_reserved(&self, name: &str) -> bool {
        self.reserved_names.contains(name)
    }

    /// Gives an id-keyed table (`steps`, `body`, `loop.prev`) the dash alias.
    /// Tables that already have a metatable (arrays) are left alone.
    pub(crate) fn add_dash_alias(&self, table: &Table) -> mlua::Result<()> {
        if table.metatable().is_none() {
            table.set_metatable(Some(self.alias_metatable.clone()))?;
        }
        Ok(())
    }

    pub(crate) fn idle_env(&self) -> &Table {
        &self.idle_env
    }
}

fn remove_unlisted_globals(globals: &Table) -> mlua::Result<()> {
    let names = globals
        .pairs::<Value, Value>()
        .map(|pair| pair.map(|(name, _)| name))
        .collect::<mlua::Result<Vec<_>>>()?;
    for name in names {
        let keep = match &name {
            Value::String(s) => {
                let s = s.to_string_lossy();
                ALLOWED_BASE_GLOBALS.contains(&s.as_str())
                    || ALLOWED_LIBRARIES.contains(&s.as_str())
            }
            _ => false,
        };
        if !keep {
            globals.raw_set(name, Value::Nil)?;
        }
    }
    Ok(())
}

/// A read-only metatable whose `__metatable` field hides it from
/// `getmetatable` and stops `setmetatable` from replacing it.
fn protected_metatable(lua: &Lua, name: &str) -> mlua::Result<Table> {
    let metatable = lua.create_table()?;
    metatable.raw_set("__metatable", name)?;
    metatable.set_readonly(true);
    Ok(metatable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globals_are_exactly_the_allowed_set() {
        let sandbox = Sandbox::new(&LuaLimits::default()).expect("sandbox builds");
        let mut names: Vec<String> = sandbox.reserved_names.iter().cloned().collect();
        names.sort();
        let mut expected: Vec<String> = ALLOWED_BASE_GLOBALS
            .iter()
            .chain(ALLOWED_LIBRARIES)
            .chain(&["json", "print"])
            .map(|name| name.to_string())
            .collect();
        expected.sort();
        assert_eq!(names, expected);
    }

    #[test]
    fn shared_tables_are_read_only() {
        let sandbox = Sandbox::new(&LuaLimits::default()).expect("sandbox builds");
        let env = sandbox.new_env(0).expect("env");
        let globals = env
            .metatable()
            .expect("env has a metatable")
            .raw_get::<Table>("__index")
            .expect("__index is the globals table");
        assert!(globals.is_readonly());
        for library in ALLOWED_LIBRARIES.iter().chain(&["json"]) {
            let table: Table = globals.raw_get(*library).expect("library table");
            assert!(table.is_readonly(), "{library} is writable");
        }
        assert!(sandbox.alias_metatable.is_readonly());
        assert!(sandbox.marker.metatable().is_readonly());
        assert!(
            !env.is_readonly(),
            "each execution's own environment is writable"
        );
    }
}

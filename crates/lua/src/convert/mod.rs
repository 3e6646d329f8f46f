//! Conversions between `serde_json` values and Lua values (docs/contract.md §4).
//!
//! JSON → Lua: objects become plain tables (a null field is simply absent),
//! arrays become tables marked with the shared `json.array` metatable (a null
//! element becomes `json.null`, so sequences keep their length).
//!
//! Lua → JSON: a table marked as an array becomes an array; a non-empty
//! sequence (keys exactly `1..n`) becomes an array; any other table becomes an
//! object (integer keys of a mixed table turn into strings, as most Lua JSON
//! libraries do). Numbers with an integral value become JSON integers.

mod to_json;
mod to_lua;

pub(crate) use to_json::{ToJsonError, lua_to_json, render_path, table_to_json_object};
pub(crate) use to_lua::{ToLuaError, json_to_lua};

use mlua::{Table, Value};

/// The type name a script author knows: Lua's own, with `json.null` called
/// by its name (mlua reports whole numbers as "integer"; Luau has one number type).
pub(crate) fn lua_type_name(value: &Value) -> &'static str {
    match value {
        Value::Integer(_) | Value::Number(_) => "number",
        Value::LightUserData(ptr) if ptr.0.is_null() => "json.null",
        other => other.type_name(),
    }
}

/// Tables shared by both directions: the metatable that marks a table as a
/// JSON array. It is read-only and protected, so scripts can neither change it
/// nor copy it onto another table (only `json.array` and injection apply it).
#[derive(Clone)]
pub(crate) struct ArrayMarker {
    metatable: Table,
}

impl ArrayMarker {
    pub(crate) fn new(metatable: Table) -> Self {
        Self { metatable }
    }

    /// The marker metatable itself.
    pub(crate) fn metatable(&self) -> &Table {
        &self.metatable
    }

    /// Marks `table` as a JSON array.
    pub(crate) fn mark(&self, table: &Table) -> mlua::Result<()> {
        table.set_metatable(Some(self.metatable.clone()))
    }

    /// Whether `table` carries the array marker.
    pub(crate) fn is_marked(&self, table: &Table) -> bool {
        table
            .metatable()
            .is_some_and(|mt| mt.to_pointer() == self.metatable.to_pointer())
    }
}

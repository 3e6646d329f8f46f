//! The `json` library scripts see: `json.encode`, `json.decode`, `json.null`,
//! `json.array`. Decoding produces the same Lua shapes as injected globals and
//! encoding the same JSON as step results (both go through [`crate::convert`]).

use mlua::{Lua, MultiValue, Table, Value};

use crate::convert::{
    ArrayMarker, ToJsonError, ToLuaError, json_to_lua, lua_to_json, lua_type_name, render_path,
};
use crate::limits::MAX_NESTING_DEPTH;

/// Lua shim around the Rust functions: they report failures as a second
/// return value, and the shim raises them with `error(msg, 2)` so the message
/// is a plain string that points at the script line that called `json.*`.
const SHIM: &str = r#"
local raw_encode, raw_decode, raw_array, null = ...
local error = error
return {
    null = null,
    encode = function(value)
        local out, err = raw_encode(value)
        if err ~= nil then error(err, 2) end
        return out
    end,
    decode = function(text)
        local out, err = raw_decode(text)
        if err ~= nil then error(err, 2) end
        return out
    end,
    array = function(...)
        local out, err = raw_array(...)
        if err ~= nil then error(err, 2) end
        return out
    end,
}
"#;

/// Builds the `json` table. `max_encode_bytes` bounds `json.encode` output.
pub(crate) fn create(
    lua: &Lua,
    marker: &ArrayMarker,
    max_encode_bytes: usize,
) -> mlua::Result<Table> {
    let encode_marker = marker.clone();
    let raw_encode = lua.create_function(move |lua, value: Value| {
        Ok(
            match encode(lua, &encode_marker, &value, max_encode_bytes) {
                Ok(text) => (Value::String(lua.create_string(text)?), None),
                Err(message) => (Value::Nil, Some(message)),
            },
        )
    })?;

    let decode_marker = marker.clone();
    let raw_decode = lua.create_function(move |lua, text: Value| {
        Ok(match decode(lua, &decode_marker, &text)? {
            Ok(value) => (value, None),
            Err(message) => (Value::Nil, Some(message)),
        })
    })?;

    let array_marker = marker.clone();
    let raw_array = lua.create_function(move |lua, args: MultiValue| {
        Ok(match array(lua, &array_marker, args)? {
            Ok(table) => (Value::Table(table), None),
            Err(message) => (Value::Nil, Some(message)),
        })
    })?;

    let json: Table =
        lua.load(SHIM)
            .set_name("=json")
            .call((raw_encode, raw_decode, raw_array, Value::NULL))?;
    Ok(json)
}

fn encode(
    lua: &Lua,
    marker: &ArrayMarker,
    value: &Value,
    max_bytes: usize,
) -> Result<String, String> {
    match lua_to_json(lua, marker, value, max_bytes) {
        Ok(json) => Ok(json.to_string()),
        Err(ToJsonError::TooLarge) => Err(format!(
            "json.encode: the encoded text would be larger than {max_bytes} bytes"
        )),
        Err(ToJsonError::Unconvertible { path, reason }) => Err(format!(
            "json.encode: {} cannot be converted to JSON: {reason}",
            render_path("value", &path)
        )),
        Err(ToJsonError::Lua(err)) => Err(format!("json.encode: {err}")),
    }
}

/// The outer `Result` carries Lua failures (memory limit) that must propagate
/// as they are; the inner one a message for the script.
fn decode(lua: &Lua, marker: &ArrayMarker, text: &Value) -> mlua::Result<Result<Value, String>> {
    let Value::String(text) = text else {
        return Ok(Err(format!(
            "json.decode expects a string, got {}",
            lua_type_name(text)
        )));
    };
    let parsed: serde_json::Value = match serde_json::from_slice(&text.as_bytes()) {
        Ok(parsed) => parsed,
        Err(err) => return Ok(Err(format!("json.decode: invalid JSON: {err}"))),
    };
    match json_to_lua(lua, marker, &parsed) {
        Ok(value) => Ok(Ok(value)),
        Err(ToLuaError::TooDeep) => Ok(Err(format!(
            "json.decode: the document is nested more than {MAX_NESTING_DEPTH} levels deep"
        ))),
        Err(ToLuaError::Lua(err)) => Err(err),
    }
}

/// `json.array()` makes a new empty array; `json.array(t)` marks `t` as an
/// array and returns it.
fn array(lua: &Lua, marker: &ArrayMarker, args: MultiValue) -> mlua::Result<Result<Table, String>> {
    let mut args = args.into_iter();
    let first = args.next();
    if args.next().is_some() {
        return Ok(Err(
            "json.array takes at most one argument: a table to mark as an array (wrap the elements: json.array({a, b}))"
                .to_string(),
        ));
    }
    match first {
        None | Some(Value::Nil) => {
            let table = lua.create_table()?;
            marker.mark(&table)?;
            Ok(Ok(table))
        }
        Some(Value::Table(table)) => {
            if table.metatable().is_some() && !marker.is_marked(&table) {
                return Ok(Err(
                    "json.array: the table already has a metatable".to_string()
                ));
            }
            marker.mark(&table)?;
            Ok(Ok(table))
        }
        Some(other) => Ok(Err(format!(
            "json.array expects a table or nothing, got {}",
            lua_type_name(&other)
        ))),
    }
}

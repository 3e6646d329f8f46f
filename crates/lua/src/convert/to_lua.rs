//! JSON → Lua.
//!
//! Values are pushed with the raw Luau C API inside `Lua::exec_raw` (a
//! protected call). Going through mlua's safe table API costs a lock, a
//! reference slot and a stack guard per field, which made injecting 10 KB of
//! step data take well over 100 µs; the raw path takes a small fraction.

use std::ffi::c_int;
use std::ptr;

use mlua::ffi::{self, lua_State};
use mlua::{Lua, Value};
use serde_json::Value as Json;

use super::ArrayMarker;
use crate::limits::MAX_NESTING_DEPTH;

/// Why a JSON value could not be turned into a Lua value.
#[derive(Debug)]
pub(crate) enum ToLuaError {
    /// Objects/arrays nested deeper than [`MAX_NESTING_DEPTH`].
    TooDeep,
    /// Lua failed (out of memory, typically).
    Lua(mlua::Error),
}

/// Stack index of the array marker metatable inside [`json_to_lua`]'s raw call.
const MARKER_INDEX: c_int = 1;

/// Stack slots one nesting level uses while it is being built: the table and
/// one key/value pair above it, plus one spare.
const SLOTS_PER_LEVEL: c_int = 4;

/// Converts `value` into a fresh Lua value. A top-level `null` becomes `nil`.
pub(crate) fn json_to_lua(
    lua: &Lua,
    marker: &ArrayMarker,
    value: &Json,
) -> Result<Value, ToLuaError> {
    let mut too_deep = false;
    // SAFETY: `exec_raw` runs the closure in a protected call with the marker
    // metatable at MARKER_INDEX. Stack space for the deepest accepted nesting
    // is reserved before anything is pushed, and `push_json` keeps the stack
    // balanced: it leaves exactly the converted value on top, which becomes
    // the only value left once the marker is removed. Nothing that needs
    // dropping lives in these frames, so a Lua error (out of memory, or the
    // one `push_json` raises for too-deep input) unwinds through plain frames
    // into the protected call.
    let converted = unsafe {
        lua.exec_raw::<Value>(marker.metatable(), |state| {
            let needed = SLOTS_PER_LEVEL * (MAX_NESTING_DEPTH as c_int + 1);
            if ffi::lua_checkstack(state, needed) == 0 {
                ffi::luaL_error(state, c"not enough Lua stack to convert JSON".as_ptr());
            }
            push_json(state, value, false, 0, &mut too_deep);
            ffi::lua_remove(state, MARKER_INDEX);
        })
    };
    match converted {
        Ok(value) => Ok(value),
        Err(_) if too_deep => Err(ToLuaError::TooDeep),
        Err(err) => Err(ToLuaError::Lua(err)),
    }
}

/// Pushes the Lua form of `value`. `in_array` turns `null` into `json.null`
/// (an array keeps its length) instead of `nil` (an object field is absent).
/// Input nested deeper than [`MAX_NESTING_DEPTH`] (or an array too long for
/// Luau's `int` indexes) sets `too_deep` and raises a Lua error, which ends
/// the whole conversion.
///
/// # Safety
/// `state` must be inside [`json_to_lua`]'s raw call: the marker metatable at
/// [`MARKER_INDEX`] and stack space reserved for `MAX_NESTING_DEPTH` levels.
unsafe fn push_json(
    state: *mut lua_State,
    value: &Json,
    in_array: bool,
    depth: usize,
    too_deep: &mut bool,
) {
    unsafe {
        match value {
            Json::Null if in_array => ffi::lua_pushlightuserdata(state, ptr::null_mut()),
            Json::Null => ffi::lua_pushnil(state),
            Json::Bool(b) => ffi::lua_pushboolean(state, c_int::from(*b)),
            Json::Number(n) => ffi::lua_pushnumber(state, number_to_lua(n)),
            Json::String(s) => push_str(state, s),
            Json::Array(items) => {
                let Ok(length) = c_int::try_from(items.len()) else {
                    *too_deep = true;
                    ffi::luaL_error(state, c"array too long".as_ptr());
                };
                enter(state, depth, too_deep);
                ffi::lua_createtable(state, length, 0);
                for (i, item) in (1..).zip(items) {
                    push_json(state, item, true, depth + 1, too_deep);
                    ffi::lua_rawseti_(state, -2, i);
                }
                ffi::lua_pushvalue(state, MARKER_INDEX);
                ffi::lua_setmetatable(state, -2);
            }
            Json::Object(fields) => {
                enter(state, depth, too_deep);
                let size_hint = c_int::try_from(fields.len()).unwrap_or(c_int::MAX);
                ffi::lua_createtable(state, 0, size_hint);
                for (key, field) in fields {
                    // A null field is simply absent, so `if x.field then` works.
                    if field.is_null() {
                        continue;
                    }
                    push_str(state, key);
                    push_json(state, field, false, depth + 1, too_deep);
                    ffi::lua_rawset(state, -3);
                }
            }
        }
    }
}

/// Refuses to open a table at `depth` or beyond the nesting limit.
///
/// # Safety
/// As for [`push_json`].
unsafe fn enter(state: *mut lua_State, depth: usize, too_deep: &mut bool) {
    if depth >= MAX_NESTING_DEPTH {
        *too_deep = true;
        // SAFETY: raising inside the protected call; see `json_to_lua`.
        unsafe { ffi::luaL_error(state, c"JSON nested too deeply".as_ptr()) };
    }
}

/// # Safety
/// `state` must have a free stack slot.
unsafe fn push_str(state: *mut lua_State, s: &str) {
    // SAFETY: the pointer and length describe `s`; Luau copies the bytes.
    unsafe { ffi::lua_pushlstring(state, s.as_ptr().cast(), s.len()) };
}

/// Luau numbers are doubles: integers beyond ±2^53 lose precision, exactly as
/// they would in JavaScript.
fn number_to_lua(n: &serde_json::Number) -> f64 {
    match n.as_i64() {
        Some(i) => i as f64,
        None => n.as_f64().unwrap_or(f64::NAN),
    }
}

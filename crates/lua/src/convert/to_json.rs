//! Lua → JSON, with a byte budget and a nesting bound.

use std::ffi::{CStr, c_int};
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

use mlua::ffi::{self, lua_State};
use mlua::{Lua, Value};
use serde_json::{Map, Value as Json};

use super::ArrayMarker;
use crate::limits::MAX_NESTING_DEPTH;

/// Why a Lua value could not be turned into JSON.
#[derive(Debug)]
pub(crate) enum ToJsonError {
    /// The compact JSON encoding would exceed the byte budget.
    TooLarge,
    /// A value has no JSON form. `path` lists the keys from the root down to it.
    Unconvertible {
        path: Vec<PathSegment>,
        reason: String,
    },
    /// Lua failed while the value was read.
    Lua(mlua::Error),
}

impl From<mlua::Error> for ToJsonError {
    fn from(err: mlua::Error) -> Self {
        ToJsonError::Lua(err)
    }
}

impl ToJsonError {
    fn unconvertible(reason: impl Into<String>) -> Self {
        ToJsonError::Unconvertible {
            path: Vec::new(),
            reason: reason.into(),
        }
    }

    /// Records that the failing value sits under `segment` (errors bubble up
    /// innermost first, so segments are prepended).
    fn inside(mut self, segment: PathSegment) -> Self {
        if let ToJsonError::Unconvertible { path, .. } = &mut self {
            path.insert(0, segment);
        }
        self
    }
}

/// One step of a path into a Lua table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathSegment {
    Field(String),
    Index(i64),
}

/// Paths longer than this are shortened in messages (a self-containing table
/// would otherwise produce a hundred segments).
const MAX_RENDERED_SEGMENTS: usize = 12;

/// Renders a path the way a script author would write it: `result.items[2]["a b"]`.
pub(crate) fn render_path(root: &str, path: &[PathSegment]) -> String {
    let mut out = root.to_string();
    if path.len() > MAX_RENDERED_SEGMENTS {
        let (head, rest) = path.split_at(6);
        let tail = &rest[rest.len() - 3..];
        head.iter()
            .for_each(|segment| push_segment(&mut out, segment));
        out.push_str(&format!("…({} more levels)…", rest.len() - tail.len()));
        tail.iter()
            .for_each(|segment| push_segment(&mut out, segment));
    } else {
        path.iter()
            .for_each(|segment| push_segment(&mut out, segment));
    }
    out
}

fn push_segment(out: &mut String, segment: &PathSegment) {
    match segment {
        PathSegment::Field(name) if is_identifier(name) => {
            out.push('.');
            out.push_str(name);
        }
        PathSegment::Field(name) => out.push_str(&format!("[{name:?}]")),
        PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Stack index of the array marker metatable inside the raw call.
const MARKER_INDEX: c_int = 1;
/// Stack index of the value being converted inside the raw call.
const ROOT_INDEX: c_int = 2;
/// Stack slots one nesting level uses while it is read: a key/value pair and
/// a metatable probe, plus one spare.
const SLOTS_PER_LEVEL: c_int = 4;

/// Converts `value` to JSON, failing with [`ToJsonError::TooLarge`] as soon as
/// its compact encoding would pass `max_bytes`.
pub(crate) fn lua_to_json(
    lua: &Lua,
    marker: &ArrayMarker,
    value: &Value,
    max_bytes: usize,
) -> Result<Json, ToJsonError> {
    let mut encoder = Encoder { max_bytes, used: 0 };
    read_raw(lua, marker, value, |state| unsafe {
        encoder.value(state, ROOT_INDEX, 0)
    })
}

/// Like [`lua_to_json`] for a table that must become a JSON object. Returns
/// `Ok(None)` when the table is an array instead.
pub(crate) fn table_to_json_object(
    lua: &Lua,
    marker: &ArrayMarker,
    table: &mlua::Table,
    max_bytes: usize,
) -> Result<Option<Map<String, Json>>, ToJsonError> {
    match lua_to_json(lua, marker, &Value::Table(table.clone()), max_bytes)? {
        Json::Object(map) => Ok(Some(map)),
        _ => Ok(None),
    }
}

/// Runs `read` on the raw Luau stack with the marker metatable at
/// [`MARKER_INDEX`] and `value` at [`ROOT_INDEX`].
///
/// Reading goes through the raw C API for the same reason as injection (see
/// `to_lua`): mlua's safe API takes a lock and a reference slot per value.
fn read_raw(
    lua: &Lua,
    marker: &ArrayMarker,
    value: &Value,
    read: impl FnOnce(*mut lua_State) -> Result<Json, ToJsonError>,
) -> Result<Json, ToJsonError> {
    let mut outcome: Option<Result<Json, ToJsonError>> = None;
    // SAFETY: `exec_raw` runs the closure in a protected call with the two
    // arguments on the stack. Stack space for the deepest accepted nesting is
    // reserved first (the only call here that can raise a Lua error, and it
    // runs before any Rust value that needs dropping exists). After that the
    // encoder only uses raw reads that neither allocate nor raise (type
    // checks, `lua_rawiter`, `lua_tolstring` on strings only, `lua_tonumberx`,
    // `lua_getmetatable`), and a panic is caught before it could cross the C
    // frames.
    let ran = unsafe {
        lua.exec_raw::<()>((marker.metatable(), value), |state| {
            let needed = SLOTS_PER_LEVEL * (MAX_NESTING_DEPTH as c_int + 1);
            if ffi::lua_checkstack(state, needed) == 0 {
                outcome = Some(Err(ToJsonError::unconvertible(
                    "not enough Lua stack to read the value",
                )));
                return;
            }
            outcome = Some(
                panic::catch_unwind(AssertUnwindSafe(|| read(state))).unwrap_or_else(|_| {
                    Err(ToJsonError::unconvertible(
                        "internal error while reading the value",
                    ))
                }),
            );
        })
    };
    ran?;
    outcome.unwrap_or_else(|| Err(ToJsonError::unconvertible("the value could not be read")))
}

struct Encoder {
    max_bytes: usize,
    used: usize,
}

/// A table key, before the table's shape (array or object) is known.
enum Key {
    Index(i64),
    Name(String),
}

impl Encoder {
    fn charge(&mut self, bytes: usize) -> Result<(), ToJsonError> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.max_bytes {
            Err(ToJsonError::TooLarge)
        } else {
            Ok(())
        }
    }

    /// # Safety
    /// Inside [`read_raw`]; `idx` is an absolute index of a live stack slot.
    unsafe fn value(
        &mut self,
        state: *mut lua_State,
        idx: c_int,
        depth: usize,
    ) -> Result<Json, ToJsonError> {
        // SAFETY: reads of a valid stack slot, guarded by its type.
        unsafe {
            match ffi::lua_type(state, idx) {
                ffi::LUA_TNIL => {
                    self.charge(4)?;
                    Ok(Json::Null)
                }
                ffi::LUA_TBOOLEAN => {
                    let b = ffi::lua_toboolean(state, idx) != 0;
                    self.charge(if b { 4 } else { 5 })?;
                    Ok(Json::Bool(b))
                }
                ffi::LUA_TLIGHTUSERDATA if ffi::lua_touserdata(state, idx).is_null() => {
                    self.charge(4)?;
                    Ok(Json::Null)
                }
                ffi::LUA_TNUMBER => self.number(ffi::lua_tonumberx(state, idx, ptr::null_mut())),
                ffi::LUA_TSTRING => {
                    let text = string_at(state, idx).ok_or_else(|| {
                        ToJsonError::unconvertible("the string is not valid UTF-8")
                    })?;
                    self.charge(json_len(text))?;
                    Ok(Json::String(text.to_string()))
                }
                ffi::LUA_TTABLE => self.table(state, idx, depth),
                other => Err(ToJsonError::unconvertible(format!(
                    "a {} has no JSON form",
                    type_name(state, other)
                ))),
            }
        }
    }

    fn number(&mut self, n: f64) -> Result<Json, ToJsonError> {
        if !n.is_finite() {
            return Err(ToJsonError::unconvertible(format!(
                "the number {n} (NaN or infinity) has no JSON form"
            )));
        }
        let json = match integral(n) {
            Some(i) => Json::from(i),
            None => serde_json::Number::from_f64(n)
                .map(Json::Number)
                .ok_or_else(|| {
                    ToJsonError::unconvertible(format!("the number {n} has no JSON form"))
                })?,
        };
        self.charge(json_len(&json))?;
        Ok(json)
    }

    /// # Safety
    /// As for [`Encoder::value`]; the slot holds a table.
    unsafe fn table(
        &mut self,
        state: *mut lua_State,
        idx: c_int,
        depth: usize,
    ) -> Result<Json, ToJsonError> {
        if depth >= MAX_NESTING_DEPTH {
            return Err(ToJsonError::unconvertible(format!(
                "tables are nested more than {MAX_NESTING_DEPTH} levels deep (does a table contain itself?)"
            )));
        }
        // SAFETY: stack space for this level was reserved by `read_raw`;
        // every push below is popped before the next iteration.
        let marked = unsafe { has_marker(state, idx) };
        self.charge(2)?; // the brackets or braces

        let mut entries: Vec<(Key, Json)> = Vec::new();
        // Whether every key so far is an integer index ≥ 1 (a sequence candidate).
        let mut only_indices = true;
        let mut cursor: c_int = 0;
        loop {
            // SAFETY: as above; `lua_rawiter` pushes a key and a value.
            cursor = unsafe { ffi::lua_rawiter(state, idx, cursor) };
            if cursor < 0 {
                break;
            }
            // SAFETY: the key and value were just pushed.
            let (key, value) = unsafe {
                let top = ffi::lua_gettop(state);
                let key = table_key(state, top - 1)?;
                if !entries.is_empty() {
                    self.charge(1)?; // the comma
                }
                match &key {
                    Key::Name(name) => {
                        only_indices = false;
                        self.charge(json_len(name.as_str()) + 1)?; // key and colon
                    }
                    Key::Index(i) if *i < 1 => only_indices = false,
                    Key::Index(_) => {}
                }
                let value = self
                    .value(state, top, depth + 1)
                    .map_err(|err| err.inside(segment_for(&key)))?;
                ffi::lua_pop(state, 2);
                (key, value)
            };
            entries.push((key, value));
        }

        if marked {
            return self.marked_array(entries, only_indices);
        }
        let count = entries.len() as i64;
        let is_sequence = only_indices
            && count > 0
            && entries
                .iter()
                .all(|(key, _)| matches!(key, Key::Index(i) if *i <= count));
        if is_sequence {
            // Keys are distinct and all within 1..=count, so they are exactly 1..=count.
            let mut items = vec![Json::Null; entries.len()];
            for (key, json) in entries {
                if let Key::Index(i) = key {
                    items[(i - 1) as usize] = json;
                }
            }
            return Ok(Json::Array(items));
        }
        self.object(entries)
    }

    /// A `json.array` table: holes become `null`, non-index keys are an error.
    fn marked_array(
        &mut self,
        entries: Vec<(Key, Json)>,
        only_indices: bool,
    ) -> Result<Json, ToJsonError> {
        if !only_indices {
            let offending = entries.iter().find_map(|(key, _)| match key {
                Key::Name(name) => Some(format!("{name:?}")),
                Key::Index(i) if *i < 1 => Some(i.to_string()),
                Key::Index(_) => None,
            });
            return Err(ToJsonError::unconvertible(format!(
                "a json.array table may only have keys 1, 2, 3…, but it has the key {}",
                offending.unwrap_or_default()
            )));
        }
        let length = entries
            .iter()
            .filter_map(|(key, _)| match key {
                Key::Index(i) => Some(*i),
                Key::Name(_) => None,
            })
            .max()
            .unwrap_or(0);
        // Each hole costs `null,`; charge before allocating so a sparse
        // `json.array({[1e9] = 1})` cannot allocate a billion slots.
        let holes = (length as usize).saturating_sub(entries.len());
        self.charge(holes.saturating_mul(5))?;
        let mut items = vec![Json::Null; length as usize];
        for (key, json) in entries {
            if let Key::Index(i) = key {
                items[(i - 1) as usize] = json;
            }
        }
        Ok(Json::Array(items))
    }

    /// A map (or mixed table): integer keys turn into their decimal strings.
    fn object(&mut self, entries: Vec<(Key, Json)>) -> Result<Json, ToJsonError> {
        let mut map = Map::new();
        for (key, json) in entries {
            let name = match key {
                Key::Name(name) => name,
                Key::Index(i) => {
                    let name = i.to_string();
                    self.charge(name.len() + 3)?; // quotes and colon
                    name
                }
            };
            map.insert(name, json);
        }
        Ok(Json::Object(map))
    }
}

/// # Safety
/// Inside [`read_raw`]; `idx` is a live stack slot.
unsafe fn table_key(state: *mut lua_State, idx: c_int) -> Result<Key, ToJsonError> {
    // SAFETY: reads of a valid stack slot, guarded by its type.
    unsafe {
        match ffi::lua_type(state, idx) {
            ffi::LUA_TSTRING => string_at(state, idx)
                .map(|text| Key::Name(text.to_string()))
                .ok_or_else(|| ToJsonError::unconvertible("a table key is not valid UTF-8")),
            ffi::LUA_TNUMBER => {
                let n = ffi::lua_tonumberx(state, idx, ptr::null_mut());
                Ok(match integral(n) {
                    Some(i) => Key::Index(i),
                    None => Key::Name(n.to_string()),
                })
            }
            other => Err(ToJsonError::unconvertible(format!(
                "a {} cannot be a JSON object key (only strings and numbers can)",
                type_name(state, other)
            ))),
        }
    }
}

/// The UTF-8 text of the string at `idx`, borrowed from Lua.
///
/// # Safety
/// The slot holds a string and stays on the stack while the result is used.
unsafe fn string_at<'a>(state: *mut lua_State, idx: c_int) -> Option<&'a str> {
    let mut len = 0usize;
    // SAFETY: on a string `lua_tolstring` neither converts nor allocates, and
    // returns a pointer to `len` bytes owned by the string object.
    let bytes = unsafe {
        let data = ffi::lua_tolstring(state, idx, &mut len);
        if data.is_null() {
            return None;
        }
        std::slice::from_raw_parts(data.cast::<u8>(), len)
    };
    std::str::from_utf8(bytes).ok()
}

/// # Safety
/// `state` is a live Lua state.
unsafe fn type_name(state: *mut lua_State, type_id: c_int) -> String {
    // SAFETY: `lua_typename` returns a static C string for any type id.
    unsafe { CStr::from_ptr(ffi::lua_typename(state, type_id)) }
        .to_string_lossy()
        .into_owned()
}

/// Whether the table at `idx` carries the array marker metatable.
///
/// # Safety
/// Inside [`read_raw`] with a free stack slot.
unsafe fn has_marker(state: *mut lua_State, idx: c_int) -> bool {
    // SAFETY: `lua_getmetatable` pushes one value only when it returns non-zero.
    unsafe {
        if ffi::lua_getmetatable(state, idx) == 0 {
            return false;
        }
        let marked = ffi::lua_rawequal(state, -1, MARKER_INDEX) != 0;
        ffi::lua_pop(state, 1);
        marked
    }
}

fn segment_for(key: &Key) -> PathSegment {
    match key {
        Key::Index(i) => PathSegment::Index(*i),
        Key::Name(name) => PathSegment::Field(name.clone()),
    }
}

/// The integer a finite double stands for exactly, if it is integral and fits in `i64`.
fn integral(n: f64) -> Option<i64> {
    // 2^63 is exactly representable; everything strictly below it fits in i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (n.fract() == 0.0 && n.abs() < LIMIT).then_some(n as i64)
}

/// Length of the compact JSON encoding of `value`, computed without allocating.
fn json_len<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    let mut counter = ByteCounter(0);
    // Writing to a counter cannot fail, and these leaf types always serialize.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_lua_indexing() {
        let path = [
            PathSegment::Field("items".into()),
            PathSegment::Index(2),
            PathSegment::Field("a b".into()),
            PathSegment::Field("fn".into()),
        ];
        assert_eq!(render_path("result", &path), r#"result.items[2]["a b"].fn"#);
    }

    #[test]
    fn long_paths_are_shortened_in_the_middle() {
        let path: Vec<PathSegment> = (1..=20).map(PathSegment::Index).collect();
        assert_eq!(
            render_path("result", &path),
            "result[1][2][3][4][5][6]…(11 more levels)…[18][19][20]"
        );
    }

    #[test]
    fn integral_accepts_only_exact_integers_in_range() {
        let cases = [
            (3.0, Some(3)),
            (-0.0, Some(0)),
            (2.5, None),
            (9_007_199_254_740_993.0, Some(9_007_199_254_740_992)),
            (9.3e18, None),
            (-9_223_372_036_854_775_808.0, None),
        ];
        for (input, expected) in cases {
            assert_eq!(integral(input), expected, "input {input}");
        }
    }

    #[test]
    fn json_len_matches_serde_json_output() {
        let values = [
            Json::from("plain"),
            Json::from("quote \" backslash \\ newline \n control \u{1}"),
            Json::from("héllo ✓"),
            Json::from(-1234567),
            serde_json::json!(0.1),
            serde_json::json!(1e300),
        ];
        for value in values {
            assert_eq!(
                json_len(&value),
                serde_json::to_string(&value).unwrap().len(),
                "value {value}"
            );
        }
    }
}

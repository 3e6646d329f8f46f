//! Paths (`steps.fetch-x.result.items.0`): their representation, display and lookup.

use std::fmt;

use serde_json::Value;

use super::Scope;
use super::error::{TemplateError, UnresolvedReason};

/// The names a path may start with (docs/contract.md §3). Anything else is a syntax error.
pub const ROOT_NAMES: [&str; 9] = [
    "input",
    "steps",
    "item",
    "index",
    "foreach",
    "body",
    "while",
    "run",
    "connection",
];

/// One step of a path after its root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// `.name` or `["any key"]`. On an array, a key written in digits (`items.0`) is read
    /// as an index.
    Key(String),
    /// `[3]`. On an object, it reads the key `"3"`.
    Index(usize),
}

/// A dotted path: a root name and the segments below it, e.g. `steps.fetch-x.result.items.0`.
///
/// `Display` writes it back in template syntax (`.key`, `[3]`, `["odd key"]`), so a
/// displayed path parses to the same path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TemplatePath {
    /// One of [`ROOT_NAMES`].
    pub root: String,
    pub segments: Vec<Segment>,
}

/// The result of walking a path through a scope.
pub(crate) enum Lookup<'s> {
    Found(&'s Value),
    /// The walk stopped: `parent` is the value at `depth` segments below the root (`None`
    /// when the root scope itself is absent), and `segments[depth]` is not in it.
    Missing {
        depth: usize,
        parent: Option<&'s Value>,
    },
}

impl TemplatePath {
    /// The step id when the path reads `steps.<id>…`, for dependency analysis.
    pub fn step_id(&self) -> Option<&str> {
        match (self.root.as_str(), self.segments.first()) {
            ("steps", Some(Segment::Key(id))) => Some(id),
            _ => None,
        }
    }

    /// The value the path points at, or the same [`TemplateError::Unresolved`] a template
    /// made of this path alone would give. No defaulting: null and `""` are returned as is.
    pub fn resolve<'s>(&self, scope: &'s dyn Scope) -> Result<&'s Value, TemplateError> {
        match self.lookup(scope) {
            Lookup::Found(value) => Ok(value),
            Lookup::Missing { depth, parent } => Err(self.unresolved(depth, parent)),
        }
    }

    /// Walks the path without allocating.
    pub(crate) fn lookup<'s>(&self, scope: &'s dyn Scope) -> Lookup<'s> {
        let Some(mut current) = scope.root(&self.root) else {
            return Lookup::Missing {
                depth: 0,
                parent: None,
            };
        };
        for (depth, segment) in self.segments.iter().enumerate() {
            match step_into(current, segment) {
                Some(next) => current = next,
                None => {
                    return Lookup::Missing {
                        depth,
                        parent: Some(current),
                    };
                }
            }
        }
        Lookup::Found(current)
    }

    /// Builds the error for a walk that stopped at `depth` (see [`Lookup::Missing`]).
    pub(crate) fn unresolved(&self, depth: usize, parent: Option<&Value>) -> TemplateError {
        let reached = PathDisplay {
            root: &self.root,
            segments: &self.segments[..depth],
        }
        .to_string();
        let mut existing_keys = Vec::new();
        let reason = match (parent, self.segments.get(depth)) {
            (None, _) => UnresolvedReason::ScopeUnavailable,
            (Some(Value::Object(map)), _) => {
                existing_keys = map.keys().cloned().collect();
                UnresolvedReason::MissingKey
            }
            (Some(Value::Array(items)), Some(Segment::Key(key))) if array_index(key).is_none() => {
                UnresolvedReason::NotAnIndex { len: items.len() }
            }
            (Some(Value::Array(items)), _) => {
                UnresolvedReason::IndexOutOfRange { len: items.len() }
            }
            (Some(scalar), _) => UnresolvedReason::NotAContainer {
                kind: kind_name(scalar),
            },
        };
        TemplateError::Unresolved {
            path: self.to_string(),
            reached,
            existing_keys,
            reason,
            json_path: None,
        }
    }
}

/// One step of a lookup: object key, array index, or nothing.
fn step_into<'v>(value: &'v Value, segment: &Segment) -> Option<&'v Value> {
    match (value, segment) {
        (Value::Object(map), Segment::Key(key)) => map.get(key),
        (Value::Object(map), Segment::Index(index)) => map.get(&index.to_string()),
        (Value::Array(items), Segment::Key(key)) => items.get(array_index(key)?),
        (Value::Array(items), Segment::Index(index)) => items.get(*index),
        _ => None,
    }
}

/// A key that reads as an array index: decimal digits without a leading zero (`0`, `12`,
/// not `01`), small enough for `usize`.
fn array_index(key: &str) -> Option<usize> {
    let canonical =
        key == "0" || (!key.starts_with('0') && key.bytes().all(|b| b.is_ascii_digit()));
    if canonical { key.parse().ok() } else { None }
}

fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Characters a key may use in `.key` form; anything else needs `["…"]`.
pub(crate) fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl fmt::Display for TemplatePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        PathDisplay {
            root: &self.root,
            segments: &self.segments,
        }
        .fmt(f)
    }
}

/// Displays a root and a slice of segments (a whole path or one of its prefixes).
struct PathDisplay<'a> {
    root: &'a str,
    segments: &'a [Segment],
}

impl fmt::Display for PathDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.root)?;
        for segment in self.segments {
            match segment {
                Segment::Key(key) if !key.is_empty() && key.chars().all(is_key_char) => {
                    write!(f, ".{key}")?
                }
                Segment::Key(key) => {
                    let quoted = serde_json::to_string(key).map_err(|_| fmt::Error)?;
                    write!(f, "[{quoted}]")?
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

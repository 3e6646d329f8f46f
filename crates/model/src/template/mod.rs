//! The `{{ … }}` template language (docs/contract.md §3).
//!
//! A templated field is text with expressions in double braces. Each expression is a
//! chain of *alternatives* tried left to right ("else try"); the first that is set wins.
//!
//! ```text
//! template    := ( text | escape | expression )*
//! escape      := "\{{"                         -- a literal "{{" (the backslash is dropped)
//! expression  := "{{" ws alternative ( ws "|" ws alternative )* ws "}}"
//! alternative := path | json-literal | "omit"  -- "omit" only last, only in a whole-value field
//! path        := root ( "." key | "[" digits "]" | "[" json-string "]" )*
//! root        := "input" | "steps" | "item" | "index" | "foreach" | "body"
//!              | "while" | "run" | "connection"
//! key         := ( letter | digit | "_" | "-" )+   -- Unicode letters and digits
//! json-literal:= any JSON value: "text", 42, -1.5, true, false, null, {"a":1}, [1,2]
//! ws          := Unicode whitespace, optional
//! ```
//!
//! Meaning:
//! - A path walks object keys and array indexes from a root scope the caller provides
//!   through [`Scope`]. On an array, a key written in digits (`items.0`) is an index; on an
//!   object, `[3]` reads the key `"3"`.
//! - *Unset* means: the path is missing, or its value is null or `""`. An unset
//!   alternative hands over to the next one. The last alternative is taken as it is:
//!   an existing null or `""` is the value; a missing path is [`TemplateError::Unresolved`]
//!   (naming the path and the keys that do exist); `omit` yields [`Rendered::Omit`].
//! - A template that is exactly one expression (no text, not even spaces, around it)
//!   keeps the JSON type of its value. Otherwise it renders to a string: strings are
//!   inserted as they are, null as nothing, numbers, booleans, arrays and objects as compact
//!   JSON. `omit` in such a template is a syntax error (there is no field to remove).
//! - Inside an expression, `|` and `}}` within a quoted string or a JSON literal's
//!   brackets belong to the literal. A `{{` inside an expression is a syntax error.
//!
//! Parsing is one linear pass with no recursion on the input; rendering does not re-parse.
//! The user guide is `docs/templates.md`.

mod error;
mod eval;
mod parse;
mod path;
mod value;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

pub use error::{TemplateError, TemplateSyntaxError, UnresolvedReason};
pub use eval::{Rendered, Template};
pub use path::{ROOT_NAMES, Segment, TemplatePath};
pub use value::{MAX_DEPTH, TemplatedValue};

/// What a render can see. The engine implements it over its run state (applying the
/// per-step `input` overrides of docs/contract.md §7 and the loop scopes of §5); tests use
/// [`MapScope`].
pub trait Scope {
    /// The value of a root name: "input", "steps", "item", "index", "foreach", "body",
    /// "while", "run", "connection". `None` = that scope does not exist here.
    fn root(&self, name: &str) -> Option<&Value>;
}

/// A scope backed by a JSON object whose keys are the root names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapScope(pub Map<String, Value>);

impl Scope for MapScope {
    fn root(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

/// Truthiness for `condition` and `while_condition` (docs/contract.md §2): `false`, null, `""`, any
/// zero number and the exact string `"false"` are falsy; everything else, including empty
/// arrays and objects, is truthy.
pub fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_none_or(|f| f != 0.0),
        Value::String(s) => !(s.is_empty() || s == "false"),
        Value::Array(_) | Value::Object(_) => true,
    }
}

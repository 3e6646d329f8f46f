//! The two ways a template goes wrong: it does not parse ([`TemplateSyntaxError`]) or a
//! path it needs does not resolve when rendered ([`TemplateError`]).

use std::fmt;

/// How many existing keys an error message lists before summarising the rest.
const KEYS_SHOWN: usize = 20;

/// A template that cannot be parsed. Caught by dry-run (`template_syntax`) and refused at
/// publish, so a run never meets one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {offset})")]
pub struct TemplateSyntaxError {
    /// What is wrong and how to fix it, in words a workflow author can act on.
    pub message: String,
    /// Byte offset in the template source where the problem was found.
    pub offset: usize,
}

impl TemplateSyntaxError {
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        TemplateSyntaxError {
            message: message.into(),
            offset,
        }
    }
}

/// Why a path did not resolve, as seen at the deepest level that did exist.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnresolvedReason {
    /// The root scope (e.g. `item` outside a loop) does not exist where the template runs.
    ScopeUnavailable,
    /// The object reached has no such key (its keys are in `existing_keys`).
    MissingKey,
    /// The array reached is shorter than the index.
    IndexOutOfRange { len: usize },
    /// The array reached was addressed with a key that is not a number.
    NotAnIndex { len: usize },
    /// The value reached is a scalar or null, so it has no fields.
    NotAContainer { kind: &'static str },
}

/// A template that parsed but could not be rendered against the scope it was given.
/// The engine fails the step with [`TemplateError::code`] (`TEMPLATE_UNRESOLVED`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateError {
    /// A required path does not resolve: every alternative was unset and the last one is a
    /// path that is missing.
    Unresolved {
        /// The path as written, e.g. `steps.a.result.x`.
        path: String,
        /// The deepest prefix of `path` that exists, e.g. `steps.a.result` (just the root
        /// name when the scope itself is missing).
        reached: String,
        /// The keys of `reached` when it is an object (empty otherwise).
        existing_keys: Vec<String>,
        reason: UnresolvedReason,
        /// Where in a [`TemplatedValue`](super::TemplatedValue) the failing string is,
        /// e.g. `$.tool_args.query`; `None` for a lone [`Template`](super::Template).
        json_path: Option<String>,
    },
}

impl TemplateError {
    /// The failure code the engine reports for this error (docs/contract.md §7).
    pub fn code(&self) -> &'static str {
        match self {
            TemplateError::Unresolved { .. } => "TEMPLATE_UNRESOLVED",
        }
    }

    /// The JSON path of the failing string inside a templated value, if known.
    pub fn json_path(&self) -> Option<&str> {
        match self {
            TemplateError::Unresolved { json_path, .. } => json_path.as_deref(),
        }
    }

    /// Records that the error happened under `segment` (used while unwinding out of a
    /// [`TemplatedValue`](super::TemplatedValue), innermost segment first).
    pub(crate) fn prepend_location(&mut self, segment: &str) {
        let TemplateError::Unresolved { json_path, .. } = self;
        *json_path = Some(match json_path.take() {
            Some(inner) => format!("{segment}{inner}"),
            None => segment.to_string(),
        });
    }
}

impl std::error::Error for TemplateError {}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let TemplateError::Unresolved {
            path,
            reached,
            existing_keys,
            reason,
            json_path,
        } = self;
        if let Some(at) = json_path {
            write!(f, "{at}: ")?;
        }
        write!(f, "{path} is not set; ")?;
        match reason {
            UnresolvedReason::ScopeUnavailable => {
                write!(
                    f,
                    "`{reached}` is not available here ({})",
                    scope_hint(reached)
                )
            }
            UnresolvedReason::MissingKey if existing_keys.is_empty() => {
                write!(f, "{reached} is an empty object")
            }
            UnresolvedReason::MissingKey => {
                write!(f, "{reached} has keys: ")?;
                write_key_list(f, existing_keys)
            }
            UnresolvedReason::IndexOutOfRange { len: 0 } => {
                write!(f, "{reached} is an empty array")
            }
            UnresolvedReason::IndexOutOfRange { len } => {
                write!(
                    f,
                    "{reached} has {len} element{} (indexes 0 to {})",
                    plural(*len),
                    len - 1
                )
            }
            UnresolvedReason::NotAnIndex { len } => write!(
                f,
                "{reached} is an array of {len} element{}: address an element by number, e.g. {reached}.0",
                plural(*len)
            ),
            UnresolvedReason::NotAContainer { kind } => {
                write!(f, "{reached} is {kind}, which has no fields")
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_key_list(f: &mut fmt::Formatter<'_>, keys: &[String]) -> fmt::Result {
    for (i, key) in keys.iter().take(KEYS_SHOWN).enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(key)?;
    }
    if keys.len() > KEYS_SHOWN {
        write!(f, " and {} more", keys.len() - KEYS_SHOWN)?;
    }
    Ok(())
}

/// Where a root scope does exist, for the "not available here" message.
fn scope_hint(root: &str) -> &'static str {
    match root {
        "item" | "index" | "foreach" => "it exists only inside a for_each body",
        "body" => "it exists only inside a for_each or while body",
        "while" => "it exists only inside a while body",
        _ => "this context does not provide it",
    }
}

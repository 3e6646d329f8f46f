//! [`Template`]: a parsed templated string, and how it renders against a [`Scope`].

use std::fmt::Write as _;

use serde_json::Value;

use super::Scope;
use super::error::{TemplateError, TemplateSyntaxError};
use super::parse::{self, Alternative, Expr, Part};
use super::path::{Lookup, TemplatePath};

/// One parsed templated string. Parse once, render many times: rendering walks the parsed
/// form and allocates only the output.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    body: Body,
}

/// The three shapes a template can have, each rendered its own way.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    /// No expression: always this text (escapes already removed).
    Literal(String),
    /// Exactly one expression and nothing else: the value keeps its JSON type.
    Whole(Expr),
    /// Text mixed with expressions: values are interpolated as text.
    Text { parts: Vec<Part>, text_len: usize },
}

/// What a template rendered to.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    Value(Value),
    /// The expression ended in `omit` and nothing before it was set: the caller drops the
    /// field (or array element) that held the template.
    Omit,
}

impl Template {
    /// Parses a templated string. See the [module documentation](super) for the grammar.
    pub fn parse(src: &str) -> Result<Template, TemplateSyntaxError> {
        let parse::Parsed {
            mut parts,
            first_omit,
        } = parse::parse(src)?;
        let body = match parts.as_slice() {
            [] => Body::Literal(String::new()),
            [Part::Text(_)] | [Part::Expr(_)] => match parts.pop() {
                Some(Part::Text(text)) => Body::Literal(text),
                Some(Part::Expr(expr)) => Body::Whole(expr),
                None => Body::Literal(String::new()),
            },
            _ => {
                if let Some(at) = first_omit {
                    return Err(TemplateSyntaxError::new(
                        at,
                        "`omit` only works when the whole field is one expression: inside text there is no field to remove; use a default such as | \"\" instead",
                    ));
                }
                let text_len = parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.len(),
                        Part::Expr(_) => 0,
                    })
                    .sum();
                Body::Text { parts, text_len }
            }
        };
        Ok(Template { body })
    }

    /// True when the template has no expression (its source has no unescaped `{{`):
    /// rendering always gives the same string, the source text itself when it holds no
    /// `\{{` escape.
    pub fn is_literal(&self) -> bool {
        matches!(self.body, Body::Literal(_))
    }

    /// True when the source is exactly one `{{ … }}` and nothing else, so the rendered value
    /// keeps its JSON type (an array stays an array).
    pub fn is_whole_value(&self) -> bool {
        matches!(self.body, Body::Whole(_))
    }

    /// Renders against `scope`. A whole-value template gives the value itself (or
    /// [`Rendered::Omit`]); any other template gives a string.
    pub fn render(&self, scope: &dyn Scope) -> Result<Rendered, TemplateError> {
        match &self.body {
            Body::Literal(text) => Ok(Rendered::Value(Value::String(text.clone()))),
            Body::Whole(expr) => Ok(match evaluate(expr, scope)? {
                Some(value) => Rendered::Value(value.clone()),
                None => Rendered::Omit,
            }),
            Body::Text { parts, text_len } => {
                let mut out = String::with_capacity(text_len + 16 * parts.len());
                for part in parts {
                    match part {
                        Part::Text(text) => out.push_str(text),
                        // `omit` is refused at parse time in text, so `None` cannot occur;
                        // it would mean "nothing", which is what the empty string says.
                        Part::Expr(expr) => {
                            if let Some(value) = evaluate(expr, scope)? {
                                push_as_text(&mut out, value);
                            }
                        }
                    }
                }
                Ok(Rendered::Value(Value::String(out)))
            }
        }
    }

    /// Renders to text, for fields that are strings whatever the template holds (prompts):
    /// the value is converted by the interpolation rules (strings as is, null and `omit`
    /// as empty text, anything else as compact JSON).
    pub fn render_text(&self, scope: &dyn Scope) -> Result<String, TemplateError> {
        Ok(match self.render(scope)? {
            Rendered::Value(Value::String(text)) => text,
            Rendered::Value(value) => {
                let mut out = String::new();
                push_as_text(&mut out, &value);
                out
            }
            Rendered::Omit => String::new(),
        })
    }

    /// Every path the template may read, including every alternative of `|` chains, in
    /// source order.
    pub fn paths(&self) -> impl Iterator<Item = &TemplatePath> {
        let exprs = match &self.body {
            Body::Literal(_) => ExprPaths::Many([].iter()),
            Body::Whole(expr) => ExprPaths::One(Some(expr)),
            Body::Text { parts, .. } => ExprPaths::Many(parts.iter()),
        };
        exprs.flat_map(expr_paths)
    }

    /// The text of a template without expressions, giving the template back otherwise.
    pub(crate) fn into_literal_text(self) -> Result<String, Template> {
        match self.body {
            Body::Literal(text) => Ok(text),
            body => Err(Template { body }),
        }
    }
}

/// The expressions of a template, whatever its shape.
enum ExprPaths<'a> {
    One(Option<&'a Expr>),
    Many(std::slice::Iter<'a, Part>),
}

impl<'a> Iterator for ExprPaths<'a> {
    type Item = &'a Expr;
    fn next(&mut self) -> Option<&'a Expr> {
        match self {
            ExprPaths::One(expr) => expr.take(),
            ExprPaths::Many(parts) => parts.find_map(|part| match part {
                Part::Expr(expr) => Some(expr),
                Part::Text(_) => None,
            }),
        }
    }
}

fn expr_paths(expr: &Expr) -> impl Iterator<Item = &TemplatePath> {
    expr.alternatives.iter().filter_map(|alt| match alt {
        Alternative::Path(path) => Some(path),
        Alternative::Literal(_) => None,
    })
}

/// Unset values make `|` try the next alternative (docs/contract.md §3).
fn is_unset(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// Evaluates one expression: the first set alternative wins. `Ok(None)` means `omit`.
///
/// The last alternative (when there is no `omit`) is taken as it is even when unset: a
/// literal or an existing null/`""` is the value, a missing path is an error.
fn evaluate<'a>(expr: &'a Expr, scope: &'a dyn Scope) -> Result<Option<&'a Value>, TemplateError> {
    let count = expr.alternatives.len();
    for (i, alternative) in expr.alternatives.iter().enumerate() {
        let is_final = !expr.omit && i + 1 == count;
        match alternative {
            Alternative::Literal(value) => {
                if is_final || !is_unset(value) {
                    return Ok(Some(value));
                }
            }
            Alternative::Path(path) => match path.lookup(scope) {
                Lookup::Found(value) => {
                    if is_final || !is_unset(value) {
                        return Ok(Some(value));
                    }
                }
                Lookup::Missing { depth, parent } => {
                    if is_final {
                        return Err(path.unresolved(depth, parent));
                    }
                }
            },
        }
    }
    Ok(None)
}

/// Interpolation: strings raw, null as nothing, everything else as compact JSON.
fn push_as_text(out: &mut String, value: &Value) {
    match value {
        Value::String(text) => out.push_str(text),
        Value::Null => {}
        // Writing to a String cannot fail.
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

//! [`TemplatedValue`]: a JSON value (`tool_args`, `task_payload`, …) whose strings are
//! templates.

use serde_json::{Map, Value};

use super::Scope;
use super::error::{TemplateError, TemplateSyntaxError};
use super::eval::{Rendered, Template};
use super::path::{TemplatePath, is_key_char};

/// How deeply a templated value may nest, the same limit serde_json applies when parsing
/// JSON text. Keeps parsing and rendering (which recurse on the structure) bounded.
pub const MAX_DEPTH: usize = 128;

/// A JSON value whose strings have been parsed as templates. Object keys are not templated.
/// Subtrees without any expression are kept as plain values and cloned as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplatedValue {
    root: Node,
    /// The JSON path of the value itself, prefixed to error locations.
    base: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// No expression anywhere below.
    Constant(Value),
    Template(Template),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

type ParseErrors = Vec<(String, TemplateSyntaxError)>;

impl TemplatedValue {
    /// Parses every string in `value`. Errors name the JSON path of each bad string,
    /// relative to `$` (e.g. `$.query`, `$.items[2]`); see [`TemplatedValue::parse_at`].
    pub fn parse(value: &Value) -> Result<TemplatedValue, ParseErrors> {
        Self::parse_at(value, "$")
    }

    /// Like [`TemplatedValue::parse`], with error paths starting at `base` instead of `$`
    /// (e.g. `$.steps[3].tool_args`), for parse and render errors alike.
    pub fn parse_at(value: &Value, base: &str) -> Result<TemplatedValue, ParseErrors> {
        let mut errors = Vec::new();
        let mut location = base.to_string();
        let root = parse_node(value, &mut location, 0, &mut errors);
        if errors.is_empty() {
            Ok(TemplatedValue {
                root,
                base: base.to_string(),
            })
        } else {
            Err(errors)
        }
    }

    /// True when no string holds an expression: rendering gives the same value every time.
    pub fn is_literal(&self) -> bool {
        matches!(self.root, Node::Constant(_))
    }

    /// Renders every template. An object entry or array element that renders to `omit` is
    /// removed; a value that is itself one omitted template renders to null.
    pub fn render(&self, scope: &dyn Scope) -> Result<Value, TemplateError> {
        match render_node(&self.root, scope) {
            Ok(value) => Ok(value.unwrap_or(Value::Null)),
            Err(mut error) => {
                error.prepend_location(&self.base);
                Err(error)
            }
        }
    }

    /// Every path any of the templates may read, in document order.
    pub fn paths(&self) -> impl Iterator<Item = &TemplatePath> {
        let mut paths = Vec::new();
        let mut pending = vec![&self.root];
        while let Some(node) = pending.pop() {
            match node {
                Node::Constant(_) => {}
                Node::Template(template) => paths.extend(template.paths()),
                Node::Array(items) => pending.extend(items.iter().rev()),
                Node::Object(entries) => pending.extend(entries.iter().rev().map(|(_, node)| node)),
            }
        }
        paths.into_iter()
    }
}

/// Parses one node, appending syntax errors instead of stopping at the first.
/// `location` is the JSON path of `value`; it is restored before returning.
fn parse_node(
    value: &Value,
    location: &mut String,
    depth: usize,
    errors: &mut ParseErrors,
) -> Node {
    if depth > MAX_DEPTH {
        errors.push((
            location.clone(),
            TemplateSyntaxError::new(0, format!("value nested deeper than {MAX_DEPTH} levels")),
        ));
        return Node::Constant(Value::Null);
    }
    match value {
        Value::String(src) => match Template::parse(src) {
            Ok(template) => match template.into_literal_text() {
                Ok(text) => Node::Constant(Value::String(text)),
                Err(template) => Node::Template(template),
            },
            Err(error) => {
                errors.push((location.clone(), error));
                Node::Constant(Value::Null)
            }
        },
        Value::Array(items) => {
            let nodes = items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    let len = location.len();
                    push_index(location, index);
                    let node = parse_node(item, location, depth + 1, errors);
                    location.truncate(len);
                    node
                })
                .collect();
            fold_array(nodes)
        }
        Value::Object(map) => {
            let entries = map
                .iter()
                .map(|(key, item)| {
                    let len = location.len();
                    push_key(location, key);
                    let node = parse_node(item, location, depth + 1, errors);
                    location.truncate(len);
                    (key.clone(), node)
                })
                .collect();
            fold_object(entries)
        }
        scalar => Node::Constant(scalar.clone()),
    }
}

/// An array whose elements are all constants is one constant.
fn fold_array(nodes: Vec<Node>) -> Node {
    if !nodes.iter().all(|n| matches!(n, Node::Constant(_))) {
        return Node::Array(nodes);
    }
    Node::Constant(Value::Array(
        nodes.into_iter().filter_map(Node::into_constant).collect(),
    ))
}

/// An object whose values are all constants is one constant.
fn fold_object(entries: Vec<(String, Node)>) -> Node {
    if !entries.iter().all(|(_, n)| matches!(n, Node::Constant(_))) {
        return Node::Object(entries);
    }
    let map: Map<String, Value> = entries
        .into_iter()
        .filter_map(|(key, node)| Some((key, node.into_constant()?)))
        .collect();
    Node::Constant(Value::Object(map))
}

impl Node {
    fn into_constant(self) -> Option<Value> {
        match self {
            Node::Constant(value) => Some(value),
            _ => None,
        }
    }
}

/// Renders one node; `Ok(None)` means the node omitted itself.
fn render_node(node: &Node, scope: &dyn Scope) -> Result<Option<Value>, TemplateError> {
    Ok(match node {
        Node::Constant(value) => Some(value.clone()),
        Node::Template(template) => match template.render(scope)? {
            Rendered::Value(value) => Some(value),
            Rendered::Omit => None,
        },
        Node::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                match render_node(item, scope) {
                    Ok(Some(value)) => out.push(value),
                    Ok(None) => {}
                    Err(mut error) => {
                        let mut segment = String::new();
                        push_index(&mut segment, index);
                        error.prepend_location(&segment);
                        return Err(error);
                    }
                }
            }
            Some(Value::Array(out))
        }
        Node::Object(entries) => {
            let mut out = Map::new();
            for (key, item) in entries {
                match render_node(item, scope) {
                    Ok(Some(value)) => {
                        out.insert(key.clone(), value);
                    }
                    Ok(None) => {}
                    Err(mut error) => {
                        let mut segment = String::new();
                        push_key(&mut segment, key);
                        error.prepend_location(&segment);
                        return Err(error);
                    }
                }
            }
            Some(Value::Object(out))
        }
    })
}

/// Appends `[index]` to a JSON path.
fn push_index(location: &mut String, index: usize) {
    location.push('[');
    location.push_str(&index.to_string());
    location.push(']');
}

/// Appends `.key`, or `["key"]` when the key has characters a dotted path cannot hold.
fn push_key(location: &mut String, key: &str) {
    if !key.is_empty() && key.chars().all(is_key_char) {
        location.push('.');
        location.push_str(key);
    } else {
        location.push('[');
        location.push_str(&Value::from(key).to_string());
        location.push(']');
    }
}

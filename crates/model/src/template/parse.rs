//! The parser: template source text to [`Part`]s, in one left-to-right pass.
//!
//! Every loop advances through the source and never revisits it, and nothing recurses on
//! the input (JSON literals are delimited by counting brackets, then handed to serde_json,
//! whose own nesting limit applies), so parsing is linear in the source length.

use serde_json::Value;

use super::error::TemplateSyntaxError;
use super::path::{ROOT_NAMES, Segment, TemplatePath, is_key_char};

/// A parsed piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    /// Literal text, escapes already removed.
    Text(String),
    Expr(Expr),
}

/// One `{{ … }}`: its alternatives, tried left to right, then possibly `omit`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub alternatives: Vec<Alternative>,
    /// The expression ends with `| omit` (or is just `omit`).
    pub omit: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Alternative {
    Path(TemplatePath),
    Literal(Value),
}

/// The parsed template, plus where the first `omit` is (the caller decides whether `omit`
/// is allowed, which depends on whether the expression is the whole template).
pub(crate) struct Parsed {
    pub parts: Vec<Part>,
    pub first_omit: Option<usize>,
}

type Result<T> = std::result::Result<T, TemplateSyntaxError>;

const OPEN: &str = "{{";
const CLOSE: &str = "}}";

/// Splits `src` into text and expressions. `\{{` is a literal `{{`.
pub(crate) fn parse(src: &str) -> Result<Parsed> {
    let mut parts = Vec::new();
    let mut first_omit = None;
    let mut text = String::new();
    let mut pos = 0;
    while let Some(found) = src[pos..].find(OPEN) {
        let open = pos + found;
        if open > pos && src.as_bytes()[open - 1] == b'\\' {
            text.push_str(&src[pos..open - 1]);
            text.push_str(OPEN);
            pos = open + OPEN.len();
            continue;
        }
        text.push_str(&src[pos..open]);
        if !text.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut text)));
        }
        let mut parser = ExprParser {
            src,
            pos: open + OPEN.len(),
            open,
        };
        let (expr, omit_at) = parser.expression()?;
        if first_omit.is_none() {
            first_omit = omit_at;
        }
        parts.push(Part::Expr(expr));
        pos = parser.pos;
    }
    text.push_str(&src[pos..]);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(Parsed { parts, first_omit })
}

/// A cursor over one expression; `open` is the offset of its `{{`.
struct ExprParser<'s> {
    src: &'s str,
    pos: usize,
    open: usize,
}

/// One alternative as parsed, before `omit` is separated from the others.
enum Parsed1 {
    Alt(Alternative),
    Omit,
}

impl<'s> ExprParser<'s> {
    /// Parses alternatives up to and including the closing `}}`. Returns the expression
    /// and the offset of its `omit`, if any.
    fn expression(&mut self) -> Result<(Expr, Option<usize>)> {
        let mut alternatives = Vec::new();
        let mut omit_at = None;
        loop {
            self.skip_whitespace();
            self.expect_alternative_start(alternatives.is_empty() && omit_at.is_none())?;
            let start = self.pos;
            match self.alternative()? {
                Parsed1::Alt(alt) => alternatives.push(alt),
                Parsed1::Omit => omit_at = Some(start),
            }
            self.skip_whitespace();
            if self.rest().starts_with(CLOSE) {
                self.pos += CLOSE.len();
                return Ok((
                    Expr {
                        alternatives,
                        omit: omit_at.is_some(),
                    },
                    omit_at,
                ));
            }
            if self.rest().starts_with('|') {
                if let Some(at) = omit_at {
                    return Err(TemplateSyntaxError::new(
                        at,
                        "`omit` must be the last alternative: nothing after it can ever be used",
                    ));
                }
                self.pos += 1;
                continue;
            }
            return Err(self.unexpected_after_alternative());
        }
    }

    /// Errors for the places where an alternative should start but cannot.
    fn expect_alternative_start(&self, first: bool) -> Result<()> {
        let rest = self.rest();
        if rest.is_empty() {
            return Err(self.unclosed());
        }
        if rest.starts_with(CLOSE) {
            return Err(if first {
                TemplateSyntaxError::new(
                    self.open,
                    "empty expression: put a path between the braces, e.g. {{ input.name }} (write \\{{ for literal braces)",
                )
            } else {
                TemplateSyntaxError::new(
                    self.pos,
                    "expected a path, a JSON literal or `omit` after `|`",
                )
            });
        }
        if rest.starts_with(OPEN) {
            return Err(self.nested());
        }
        Ok(())
    }

    fn alternative(&mut self) -> Result<Parsed1> {
        let start = self.pos;
        let Some(c) = self.rest().chars().next() else {
            return Err(self.unclosed());
        };
        match c {
            '"' => {
                let end = self.string_end(start)?;
                self.literal(start, end).map(Parsed1::Alt)
            }
            '{' | '[' => {
                let end = self.bracketed_end(start)?;
                self.literal(start, end).map(Parsed1::Alt)
            }
            '-' | '0'..='9' => {
                let len = self
                    .rest()
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b))
                    .count();
                self.literal(start, start + len).map(Parsed1::Alt)
            }
            c if is_key_char(c) => self.word(),
            c => Err(TemplateSyntaxError::new(
                start,
                format!("expected a path (e.g. input.name), a JSON literal or `omit`, found `{c}`"),
            )),
        }
    }

    /// A bare word: `true`/`false`/`null`, `omit`, or a path starting at a root name.
    fn word(&mut self) -> Result<Parsed1> {
        let start = self.pos;
        let word = self.take_key();
        match word {
            "true" | "false" | "null" => self.literal(start, self.pos).map(Parsed1::Alt),
            "omit" => Ok(Parsed1::Omit),
            root if ROOT_NAMES.contains(&root) => {
                let root = root.to_string();
                self.path(root).map(|p| Parsed1::Alt(Alternative::Path(p)))
            }
            other => Err(TemplateSyntaxError::new(
                start,
                format!(
                    "unknown name `{other}`: a path starts with one of {}; write text as a quoted string (\"{other}\")",
                    ROOT_NAMES.join(", ")
                ),
            )),
        }
    }

    /// The segments after a root name: `.key`, `[3]`, `["key"]`.
    fn path(&mut self, root: String) -> Result<TemplatePath> {
        let mut segments = Vec::new();
        loop {
            let rest = self.rest();
            if rest.starts_with('.') {
                self.pos += 1;
                let at = self.pos;
                let key = self.take_key();
                if key.is_empty() {
                    return Err(self.bad_path_char(at, "a key after `.`"));
                }
                segments.push(Segment::Key(key.to_string()));
            } else if rest.starts_with('[') {
                self.pos += 1;
                segments.push(self.bracket_segment()?);
            } else {
                break;
            }
        }
        // A path ends at whitespace, `|` or `}`; `{` is left for the nested-`{{` check.
        match self.rest().chars().next() {
            Some(c) if !(c.is_whitespace() || c == '|' || c == '}' || c == '{') => {
                Err(self.bad_path_char(self.pos, "`.`, `[`, `|` or `}}` after a path"))
            }
            _ => Ok(TemplatePath { root, segments }),
        }
    }

    /// After `[`: a decimal index or a quoted key, then `]`.
    fn bracket_segment(&mut self) -> Result<Segment> {
        let start = self.pos;
        let rest = self.rest();
        let segment = if rest.starts_with('"') {
            let end = self.string_end(start)?;
            let key: String = serde_json::from_str(&self.src[start..end])
                .map_err(|e| TemplateSyntaxError::new(start, format!("invalid quoted key: {e}")))?;
            self.pos = end;
            Segment::Key(key)
        } else {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                let message = if rest.starts_with('-') {
                    "negative indexes are not supported: indexes count from 0 at the start"
                } else {
                    "expected an index like [0] or a quoted key like [\"name\"] after `[`"
                };
                return Err(TemplateSyntaxError::new(start, message));
            }
            let index = rest[..digits].parse().map_err(|_| {
                TemplateSyntaxError::new(start, format!("index {} is too large", &rest[..digits]))
            })?;
            self.pos += digits;
            Segment::Index(index)
        };
        if !self.rest().starts_with(']') {
            return Err(TemplateSyntaxError::new(
                self.pos,
                "expected `]` to close the `[`",
            ));
        }
        self.pos += 1;
        Ok(segment)
    }

    /// Parses `src[start..end]` as one JSON value and moves past it.
    fn literal(&mut self, start: usize, end: usize) -> Result<Alternative> {
        let text = &self.src[start..end];
        let value = serde_json::from_str(text).map_err(|e| {
            TemplateSyntaxError::new(
                start,
                format!("invalid JSON literal `{}`: {e}", preview(text)),
            )
        })?;
        self.pos = end;
        Ok(Alternative::Literal(value))
    }

    /// The end (exclusive) of the JSON string starting at `start` (its opening quote).
    /// `|` and `}}` inside the quotes are part of the string.
    fn string_end(&self, start: usize) -> Result<usize> {
        let bytes = self.src.as_bytes();
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => return Ok(i + 1),
                _ => i += 1,
            }
        }
        Err(TemplateSyntaxError::new(
            start,
            "unterminated string literal: add the closing `\"` (a `}}` inside quotes is part of the string)",
        ))
    }

    /// The end (exclusive) of the JSON object or array starting at `start`, found by
    /// counting brackets outside strings. serde_json then checks the contents.
    fn bracketed_end(&self, start: usize) -> Result<usize> {
        let bytes = self.src.as_bytes();
        let mut depth = 0usize;
        let mut i = start;
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    i = self.string_end(i)?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Err(TemplateSyntaxError::new(
            start,
            "unterminated JSON literal: a `{` or `[` is never closed",
        ))
    }

    /// Consumes key characters and returns them (possibly empty).
    fn take_key(&mut self) -> &'s str {
        let rest = &self.src[self.pos..];
        let len = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        self.pos += len;
    }

    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    fn unclosed(&self) -> TemplateSyntaxError {
        TemplateSyntaxError::new(
            self.open,
            "unclosed `{{`: end the expression with `}}` (write \\{{ for literal braces)",
        )
    }

    fn nested(&self) -> TemplateSyntaxError {
        TemplateSyntaxError::new(
            self.pos,
            "`{{` inside an expression: expressions cannot be nested; close the first one with `}}` before opening another",
        )
    }

    fn bad_path_char(&self, at: usize, expected: &str) -> TemplateSyntaxError {
        match self.src[at..].chars().next() {
            None => self.unclosed(),
            Some(c) => TemplateSyntaxError::new(
                at,
                format!(
                    "expected {expected}, found `{c}`: keys may contain letters, digits, `_` and `-`; write other keys as [\"…\"]"
                ),
            ),
        }
    }

    /// The error when an alternative is followed by something other than `|` or `}}`.
    fn unexpected_after_alternative(&self) -> TemplateSyntaxError {
        let rest = self.rest();
        match rest.chars().next() {
            None => self.unclosed(),
            Some(_) if rest.starts_with(OPEN) => self.nested(),
            Some('}') => TemplateSyntaxError::new(
                self.pos,
                "expected `}}` to close the expression, found a single `}` (an object literal needs its own closing `}` before the `}}`)",
            ),
            Some(c) => TemplateSyntaxError::new(
                self.pos,
                format!(
                    "unexpected `{c}`: separate alternatives with `|` and end the expression with `}}}}`"
                ),
            ),
        }
    }
}

/// The start of a (possibly huge) literal, for error messages.
fn preview(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

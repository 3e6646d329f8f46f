//! The examples together use every step type, template scope and modifier, and the
//! canvas and backend import shapes: scanned from the files, so the claim cannot rot.

mod support;

use std::collections::{BTreeSet, HashSet};

use ar_model::graph::{Step, StepType};
use ar_model::import::{GraphLimits, parse_graph_bytes};
use ar_model::template::{Segment, Template, TemplatePath};
use serde_json::Value;
use support::example_graphs;

/// Fields holding Lua source, which is never template-expanded.
const SCRIPT_FIELDS: [&str; 2] = ["script", "while_eval_script"];

const SCOPES: [&str; 15] = [
    "input",
    "steps.<id>.result",
    "steps.<id>.input",
    "item",
    "index",
    "foreach.item",
    "foreach.index",
    "steps.<for_each_id>.item",
    "body.<inner_id>",
    "while.iteration",
    "while.prev",
    "run.id",
    "run.workflow_id",
    "run.version",
    "connection.*",
];

const MODIFIERS: [&str; 5] = [
    "| \"literal\"",
    "| 42",
    "| {\"a\":1}",
    "| omit",
    "coalesce chain",
];

/// What the examples were found to use.
#[derive(Default)]
struct Coverage {
    step_types: BTreeSet<&'static str>,
    scopes: BTreeSet<&'static str>,
    modifiers: BTreeSet<&'static str>,
    shapes: BTreeSet<&'static str>,
}

fn key(segment: Option<&Segment>) -> Option<&str> {
    match segment {
        Some(Segment::Key(k)) => Some(k),
        _ => None,
    }
}

/// The scope a path reads, in the names of [`SCOPES`].
fn scope_of(path: &TemplatePath, for_each_ids: &HashSet<String>) -> Option<&'static str> {
    let first = key(path.segments.first());
    let second = key(path.segments.get(1));
    Some(match (path.root.as_str(), first, second) {
        ("input", _, _) => "input",
        ("steps", Some(id), Some("item")) if for_each_ids.contains(id) => {
            "steps.<for_each_id>.item"
        }
        ("steps", Some(_), Some("result")) => "steps.<id>.result",
        ("steps", Some(_), Some("input")) => "steps.<id>.input",
        ("item", _, _) => "item",
        ("index", _, _) => "index",
        ("foreach", Some("item"), _) => "foreach.item",
        ("foreach", Some("index"), _) => "foreach.index",
        ("body", Some(_), _) => "body.<inner_id>",
        ("while", Some("iteration"), _) => "while.iteration",
        ("while", Some("prev"), Some(_)) => "while.prev",
        ("run", Some("id"), _) => "run.id",
        ("run", Some("workflow_id"), _) => "run.workflow_id",
        ("run", Some("version"), _) => "run.version",
        ("connection", Some(_), _) => "connection.*",
        _ => return None,
    })
}

/// The source text of each `{{ … }}` expression in `text` (without the braces). Quoted
/// strings and bracketed literals may hold `}}`, as in the template grammar.
fn expressions(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let body = &rest[open + 2..];
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut end = None;
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_string => escaped = true,
                '"' => in_string = !in_string,
                '{' | '[' if !in_string => depth += 1,
                '}' | ']' if !in_string && depth > 0 => depth -= 1,
                '}' if !in_string && body[i..].starts_with("}}") => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        found.push(&body[..end]);
        rest = &body[end + 2..];
    }
    found
}

/// Splits an expression at its top-level `|` separators.
fn alternatives(expression: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0usize, false, false, 0);
    for (i, c) in expression.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' | '[' if !in_string => depth += 1,
            '}' | ']' if !in_string => depth = depth.saturating_sub(1),
            '|' if !in_string && depth == 0 => {
                parts.push(expression[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(expression[start..].trim());
    parts
}

fn record_modifiers(expression: &str, coverage: &mut Coverage) {
    let alts = alternatives(expression);
    let mut paths = 0;
    for alt in &alts[1..] {
        let kind = match serde_json::from_str::<Value>(alt) {
            Ok(Value::String(_)) => "| \"literal\"",
            Ok(Value::Number(_)) => "| 42",
            Ok(Value::Object(_)) => "| {\"a\":1}",
            Ok(_) => continue,
            Err(_) if *alt == "omit" => "| omit",
            Err(_) => {
                paths += 1;
                continue;
            }
        };
        coverage.modifiers.insert(kind);
    }
    if paths > 0 {
        coverage.modifiers.insert("coalesce chain");
    }
}

/// Walks every string of a step (scripts excepted), recording scopes and modifiers.
fn scan_value(
    value: &Value,
    for_each_ids: &HashSet<String>,
    coverage: &mut Coverage,
    errors: &mut Vec<String>,
) {
    match value {
        Value::String(text) if text.contains("{{") => {
            match Template::parse(text) {
                Ok(template) => coverage
                    .scopes
                    .extend(template.paths().filter_map(|p| scope_of(p, for_each_ids))),
                Err(e) => errors.push(format!("{text:?}: {e}")),
            }
            for expression in expressions(text) {
                record_modifiers(expression, coverage);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| scan_value(v, for_each_ids, coverage, errors)),
        Value::Object(map) => {
            for (k, v) in map {
                if !SCRIPT_FIELDS.contains(&k.as_str()) {
                    scan_value(v, for_each_ids, coverage, errors);
                }
            }
        }
        _ => {}
    }
}

fn scan_examples() -> (usize, Coverage) {
    let mut coverage = Coverage::default();
    let mut errors = Vec::new();
    let files = example_graphs();
    for file in &files {
        let bytes = std::fs::read(file).expect("example readable");
        let raw: Value = serde_json::from_slice(&bytes).expect("example is JSON");
        match (raw.get("steps").is_some(), raw.get("nodes").is_some()) {
            (true, true) => coverage.shapes.insert("backend"),
            (false, true) => coverage.shapes.insert("canvas"),
            _ => coverage.shapes.insert("steps"),
        };
        let parsed = parse_graph_bytes(&bytes, &GraphLimits::default()).expect("example imports");
        let steps: Vec<&Step> = parsed.graph.all_steps().map(|(_, s)| s).collect();
        let for_each_ids: HashSet<String> = steps
            .iter()
            .filter(|s| s.step_type() == Some(StepType::ForEach))
            .map(|s| s.id.clone())
            .collect();
        for step in &steps {
            coverage
                .step_types
                .extend(step.step_type().map(StepType::as_str));
        }
        // The normalized graph: canvas and backend shapes read like the steps shape.
        for step in &parsed.graph.steps {
            scan_value(&step.to_value(), &for_each_ids, &mut coverage, &mut errors);
        }
    }
    assert!(
        errors.is_empty(),
        "template syntax errors in examples:\n{}",
        errors.join("\n")
    );
    (files.len(), coverage)
}

fn missing<'a>(wanted: &[&'a str], found: &BTreeSet<&str>) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|w| !found.contains(w))
        .collect()
}

#[test]
fn there_are_at_least_six_examples() {
    let (count, _) = scan_examples();
    assert!(count >= 6, "only {count} examples");
}

#[test]
fn examples_use_every_step_type() {
    let (_, coverage) = scan_examples();
    let all: Vec<&str> = StepType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        missing(&all, &coverage.step_types),
        Vec::<&str>::new(),
        "step types no example uses"
    );
}

#[test]
fn examples_use_every_template_scope() {
    let (_, coverage) = scan_examples();
    assert_eq!(
        missing(&SCOPES, &coverage.scopes),
        Vec::<&str>::new(),
        "scopes no example uses"
    );
}

#[test]
fn examples_use_every_modifier() {
    let (_, coverage) = scan_examples();
    assert_eq!(
        missing(&MODIFIERS, &coverage.modifiers),
        Vec::<&str>::new(),
        "modifiers no example uses"
    );
}

#[test]
fn examples_include_the_canvas_and_backend_shapes() {
    let (_, coverage) = scan_examples();
    assert_eq!(
        missing(&["canvas", "backend"], &coverage.shapes),
        Vec::<&str>::new(),
        "import shapes no example uses"
    );
}

#[test]
fn the_scanner_recognises_each_modifier_and_scope() {
    // Guards the scanner itself: a scanner that found nothing would make the tests above
    // fail, but one that found everything everywhere would not.
    let mut coverage = Coverage::default();
    record_modifiers(
        r#" input.a | steps.s.result.b | {"a": "}}"} "#,
        &mut coverage,
    );
    assert_eq!(
        coverage.modifiers,
        BTreeSet::from(["coalesce chain", "| {\"a\":1}"])
    );
    let mut coverage = Coverage::default();
    record_modifiers(r#" input.a | " | " "#, &mut coverage);
    assert_eq!(coverage.modifiers, BTreeSet::from(["| \"literal\""]));
    let mut coverage = Coverage::default();
    record_modifiers(" input.a ", &mut coverage);
    assert!(coverage.modifiers.is_empty());
    assert_eq!(
        expressions(r#"a {{ x | "}}" }} b {{ y }}"#),
        vec![r#" x | "}}" "#, " y "]
    );

    let ids = HashSet::from(["loop".to_string()]);
    let scope = |src: &str| {
        let template = Template::parse(src).expect("parses");
        template
            .paths()
            .filter_map(|p| scope_of(p, &ids))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        scope("{{ steps.loop.item }}"),
        vec!["steps.<for_each_id>.item"]
    );
    assert_eq!(scope("{{ steps.other.item }}"), Vec::<&str>::new());
    assert_eq!(scope("{{ while.prev.x.y }}"), vec!["while.prev"]);
    assert_eq!(scope("{{ steps.a.input.q }}"), vec!["steps.<id>.input"]);
}

//! The `templates` check: syntax everywhere a template may appear, loop scopes only inside
//! loops, `body.<id>` naming a sibling, and `input.*` paths resolving against the input the
//! run can expect.
//!
//! Whether an `input.*` path is *required* depends on the `|` alternatives around it, so the
//! template is rendered against a probe scope: the expected input, and for every other root
//! a made-up value that holds every path the template reads. The render then fails exactly
//! on input paths that are required and missing.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::Run;
use super::index::{Parsed, Source, TemplateField};
use super::request::CheckName;
use crate::graph::StepConfig;
use crate::issue::{Issue, codes};
use crate::template::{ROOT_NAMES, Scope, Segment, TemplateError, TemplatePath};

const CHECK: CheckName = CheckName::Templates;

/// Where a template is evaluated, which decides the roots it can read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    TopLevel,
    ForEachBody,
    WhileBody,
    /// `while_condition` of a while step: evaluated after each iteration.
    WhileCondition,
}

pub(crate) fn check_templates(run: &mut Run<'_>) {
    let mut issues = Vec::new();
    let index = run.index;
    for field in run.fields {
        let entry = &index.entries[field.entry];
        let id = Some(entry.step.id.as_str()).filter(|s| !s.is_empty());
        let parsed = match &field.parsed {
            Ok(parsed) => parsed,
            Err(errors) => {
                for (at, error) in errors {
                    issues.push(
                        Issue::error(codes::TEMPLATE_SYNTAX, id, at.clone(), format!("template syntax error: {error}"))
                            .with_suggestion("templates read {{root.path}} with root one of input, steps, item, index, foreach, body, while, run, connection; write \\{{ for a literal {{"),
                    );
                }
                continue;
            }
        };
        let place = match (
            field.field,
            &entry.step.config,
            index.parent_step(field.entry).map(|p| &p.config),
        ) {
            ("while_condition", StepConfig::While(_), _) => Place::WhileCondition,
            (_, _, Some(StepConfig::ForEach(_))) => Place::ForEachBody,
            (_, _, Some(StepConfig::While(_))) => Place::WhileBody,
            _ => Place::TopLevel,
        };
        // Ids a `body.<id>` / `while.prev.<id>` may name.
        let body_ids: Vec<&str> = match place {
            Place::WhileCondition => index
                .children
                .get(&field.entry)
                .into_iter()
                .flatten()
                .map(|&c| index.entries[c].step.id.as_str())
                .collect(),
            Place::TopLevel => Vec::new(),
            _ => index
                .siblings(field.entry)
                .iter()
                .map(|&c| index.entries[c].step.id.as_str())
                .collect(),
        };
        for path in parsed.paths() {
            if let Some((message, suggestion)) =
                scope_problem(path, place, &body_ids, &entry.step.id)
            {
                issues.push(
                    Issue::error(
                        codes::TEMPLATE_UNRESOLVED,
                        id,
                        field.json_path.clone(),
                        message,
                    )
                    .with_suggestion(suggestion),
                );
            }
        }
        if field.field == "for_each_items" {
            issues.extend(items_look_like_a_path(field, id));
        }
        if run.input.known {
            issues.extend(missing_input(run, field, parsed, id));
        }
    }
    for issue in issues {
        run.report(CHECK, issue);
    }
}

/// A root read where it does not exist, or a loop path naming no sibling.
/// `body_ids` are the steps of the loop body the field belongs to (itself included);
/// `self_id` is the step holding the field: `body.<self>` is refused (a step cannot read its
/// own output of the current iteration) while `while.prev.<self>` is allowed (its output of
/// the previous iteration is exactly what a refining loop reads).
fn scope_problem(
    path: &TemplatePath,
    place: Place,
    body_ids: &[&str],
    self_id: &str,
) -> Option<(String, String)> {
    let in_loop = matches!(
        place,
        Place::ForEachBody | Place::WhileBody | Place::WhileCondition
    );
    let first_key = match path.segments.first() {
        Some(Segment::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    let unknown_sibling = |id: Option<&str>, what: &str| -> Option<(String, String)> {
        let id = id?;
        if body_ids.contains(&id) {
            return None;
        }
        let hint = match super::closest(id, body_ids.iter().copied()) {
            Some(best) => format!("did you mean `{what}.{best}`?"),
            None if body_ids.len() <= 1 => "this body has no other step to read".to_string(),
            None => format!("the steps of this body are: {}", body_ids.join(", ")),
        };
        Some((
            format!("`{path}` names `{id}`, which is not another step of this loop body"),
            hint,
        ))
    };
    match path.root.as_str() {
        "item" | "index" | "foreach" if place != Place::ForEachBody => Some((
            format!(
                "`{path}` is read outside a for_each body, where `{}` does not exist",
                path.root
            ),
            "use it only in the steps of `for_each_body_steps`".to_string(),
        )),
        "body" if !in_loop => Some((
            format!("`{path}` is read outside a loop body, where `body` does not exist"),
            "read a finished step as {{steps.<id>.result…}} instead".to_string(),
        )),
        "body" if first_key == Some(self_id) && place != Place::WhileCondition => Some((
            format!(
                "`{path}` reads this step's own output, which does not exist yet in this iteration"
            ),
            "read the previous iteration with `while.prev.<id>`, or an earlier body step"
                .to_string(),
        )),
        "body" => unknown_sibling(first_key, "body"),
        "while" if !matches!(place, Place::WhileBody | Place::WhileCondition) => Some((
            format!("`{path}` is read outside a while loop, where `while` does not exist"),
            "use `while.iteration` and `while.prev.<id>` only in a while body or `while_condition`"
                .to_string(),
        )),
        "while" => match (first_key, path.segments.get(1)) {
            (Some("iteration"), _) => None,
            (Some("prev"), Some(Segment::Key(id))) => unknown_sibling(Some(id), "while.prev"),
            (Some("prev"), _) => None,
            _ => Some((
                format!("`{path}` is not a while value"),
                "the while scope has `iteration` and `prev.<id>`".to_string(),
            )),
        },
        "run" => match first_key {
            None | Some("id" | "workflow_id" | "version") => None,
            Some(other) => Some((
                format!("`{path}`: runs have no `{other}`"),
                "the run scope has `id`, `workflow_id` and `version`".to_string(),
            )),
        },
        _ => None,
    }
}

/// `for_each_items` written as a bare path ("input.items") is a one-item list of that text.
fn items_look_like_a_path(field: &TemplateField<'_>, id: Option<&str>) -> Option<Issue> {
    let Source::Json(Value::String(text)) = field.source else {
        return None;
    };
    let root = text.split(['.', '[']).next()?;
    if text.contains("{{") || !ROOT_NAMES.contains(&root) || !text.contains('.') {
        return None;
    }
    Some(
        Issue::warning(
            codes::FOR_EACH_ITEMS_UNRESOLVED,
            id,
            field.json_path.clone(),
            format!(
                "`for_each_items` is the plain text \"{text}\", which loops once over that text"
            ),
        )
        .with_suggestion(format!(
            "write \"{{{{{text}}}}}\" to loop over the value at that path"
        )),
    )
}

/// Required `input.*` paths that the expected input does not hold.
fn missing_input(
    run: &Run<'_>,
    field: &TemplateField<'_>,
    parsed: &Parsed,
    id: Option<&str>,
) -> Vec<Issue> {
    let paths = parsed.paths();
    if !paths.iter().any(|p| p.root == "input") {
        return Vec::new();
    }
    let mut scope = ProbeScope {
        input: Cow::Borrowed(&run.input.value),
        others: Map::new(),
    };
    for path in &paths {
        if path.root == "input" {
            // A declared property may be given at run time: any path into it resolves.
            if let Some(Segment::Key(k)) = path.segments.first()
                && run.input.declared.contains(k)
                && scope.input.get(k).is_none()
            {
                graft(scope.input.to_mut(), &path.segments);
            }
        } else {
            let root = scope
                .others
                .entry(path.root.clone())
                .or_insert(Value::Bool(true));
            graft(root, &path.segments);
        }
    }
    let code = if field.field == "for_each_items" {
        codes::FOR_EACH_ITEMS_UNRESOLVED
    } else {
        codes::TEMPLATE_UNRESOLVED
    };
    let mut issues = Vec::new();
    // Each failed render names one missing path; graft it and go on, to report them all.
    for _ in 0..=paths.len() {
        let outcome = match parsed {
            Parsed::Text(t) => t.render(&scope).map(|_| ()),
            Parsed::Json(v) => v.render(&scope).map(|_| ()),
        };
        let Err(error) = outcome else { break };
        let TemplateError::Unresolved { path, .. } = &error;
        let Some(missing) = paths
            .iter()
            .find(|p| p.to_string() == *path && p.root == "input")
        else {
            break;
        };
        let at = error.json_path().unwrap_or(&field.json_path).to_string();
        let mut message = error.to_string();
        if let Some(rest) = message.strip_prefix(&format!("{at}: ")) {
            message = rest.to_string();
        }
        issues.push(
            Issue::error(code, id, at, format!("`{path}` does not resolve against the run input: {message}"))
                .with_suggestion(format!("declare `{path}` in `input_schema` (with a default if it may be omitted), pass it in the trigger payload, or add a fallback: {{{{{path} | \"…\"}}}}")),
        );
        graft(scope.input.to_mut(), &missing.segments);
    }
    issues
}

/// Makes `segments` resolvable below `value`, turning scalars on the way into objects.
fn graft(value: &mut Value, segments: &[Segment]) {
    let mut current = value;
    for segment in segments {
        let key = match segment {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => i.to_string(),
        };
        let in_array = match (&*current, key.parse::<usize>()) {
            (Value::Array(items), Ok(i)) if i < items.len() => Some(i),
            _ => None,
        };
        if let Some(i) = in_array {
            if let Value::Array(items) = current {
                current = &mut items[i];
            }
            continue;
        }
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        let Value::Object(map) = current else { return };
        current = map.entry(key).or_insert(Value::Bool(true));
    }
}

/// The input as expected, and made-up values for every other root.
struct ProbeScope<'a> {
    input: Cow<'a, Value>,
    others: Map<String, Value>,
}

impl Scope for ProbeScope<'_> {
    fn root(&self, name: &str) -> Option<&Value> {
        if name == "input" {
            Some(&self.input)
        } else {
            self.others.get(name)
        }
    }
}

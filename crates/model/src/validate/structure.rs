//! The `graph` check (steps exist, ids are unique) and the `dependencies` check
//! (`depends_on` targets exist, no cycles, `steps.<id>` templates read ancestors).

use std::collections::{HashMap, HashSet};

use super::Run;
use super::ancestry::Ancestry;
use super::index::StepIndex;
use super::request::CheckName;
use crate::issue::{Issue, codes};
use crate::template::Segment;

/// `graph`: a non-empty graph whose ids are unique: among top-level steps, within each
/// body, and no inner id equal to a top-level id (docs/contract.md §2).
pub(crate) fn check_graph(run: &mut Run<'_>) {
    const CHECK: CheckName = CheckName::Graph;
    if run.graph.steps.is_empty() {
        run.report(
            CHECK,
            Issue::error(
                codes::EMPTY_GRAPH,
                None,
                "$.steps",
                "the graph has no steps: there is nothing to run",
            )
            .with_suggestion("add at least one step to `steps`"),
        );
        return;
    }
    let index = run.index;
    let mut first_top: HashMap<&str, &str> = HashMap::new();
    for e in index
        .entries
        .iter()
        .filter(|e| e.parent.is_none() && !e.step.id.is_empty())
    {
        if let Some(first) = first_top.get(e.step.id.as_str()) {
            let id = &e.step.id;
            run.report(
                CHECK,
                Issue::error(
                    codes::DUPLICATE_STEP_ID,
                    Some(id),
                    format!("{}.id", e.path),
                    format!("step id `{id}` is already used by the step at {first}"),
                )
                .with_suggestion("give each step its own id"),
            );
        } else {
            first_top.insert(&e.step.id, &e.path);
        }
    }
    for (parent, body) in &index.children {
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for &child in body {
            let e = &index.entries[child];
            let id = e.step.id.as_str();
            if id.is_empty() {
                continue;
            }
            let path = format!("{}.id", e.path);
            if let Some(first) = seen.get(id) {
                run.report(
                    CHECK,
                    Issue::error(codes::DUPLICATE_STEP_ID, Some(id), path, format!("inner step id `{id}` is already used in this body by the step at {first}"))
                        .with_suggestion("give each inner step its own id within its loop"),
                );
            } else if let Some(top) = first_top.get(id) {
                let parent_id = &index.entries[*parent].step.id;
                run.report(
                    CHECK,
                    Issue::error(codes::DUPLICATE_STEP_ID, Some(id), path, format!("inner step id `{id}` (in `{parent_id}`) is also the id of the top-level step at {top}"))
                        .with_suggestion(format!("rename the inner step, e.g. `{parent_id}-{id}`")),
                );
                seen.insert(id, &e.path);
            } else {
                seen.insert(id, &e.path);
            }
        }
    }
}

/// `dependencies`: every `depends_on` names a step (a sibling, inside a body), no step
/// waits on itself through a cycle, and every `steps.<id>` a template reads is a transitive
/// ancestor of the step reading it.
pub(crate) fn check_dependencies(run: &mut Run<'_>) {
    const CHECK: CheckName = CheckName::Dependencies;
    let index = run.index;
    // Top level: nodes are positions in graph.steps.
    let top_entries: Vec<usize> = (0..index.entries.len())
        .filter(|&i| index.entries[i].parent.is_none())
        .collect();
    let top_ancestry = sibling_ancestry(run, CHECK, &top_entries, None);
    // Inner bodies: their `depends_on` and cycles. Which sibling a `body.<id>` template
    // reads is the `templates` check's business.
    let mut bodies: Vec<(&usize, &Vec<usize>)> = index.children.iter().collect();
    bodies.sort_by_key(|(parent, _)| **parent);
    for (&parent, body) in bodies {
        sibling_ancestry(run, CHECK, body, Some(parent));
    }
    template_dependencies(run, &top_ancestry);
}

/// Checks the `depends_on` of one list of siblings and returns its ancestry.
fn sibling_ancestry(
    run: &mut Run<'_>,
    check: CheckName,
    siblings: &[usize],
    parent: Option<usize>,
) -> Ancestry {
    let index = run.index;
    let mut position: HashMap<&str, usize> = HashMap::with_capacity(siblings.len());
    for (i, &e) in siblings.iter().enumerate() {
        position
            .entry(index.entries[e].step.id.as_str())
            .or_insert(i);
    }
    let mut deps = vec![Vec::new(); siblings.len()];
    for (i, &e) in siblings.iter().enumerate() {
        let entry = &index.entries[e];
        let step = entry.step;
        for (k, dep) in step.depends_on.iter().enumerate() {
            if let Some(&d) = position.get(dep.as_str()) {
                deps[i].push(d);
                continue;
            }
            let path = format!("{}.depends_on[{k}]", entry.path);
            let mut issue = match parent {
                None => Issue::error(
                    codes::UNKNOWN_DEPENDENCY,
                    Some(&step.id),
                    path,
                    format!(
                        "`{}` depends on `{dep}`, which is not a step of this graph",
                        step.id
                    ),
                ),
                Some(_) => Issue::error(
                    codes::UNKNOWN_DEPENDENCY,
                    Some(&step.id),
                    path,
                    format!(
                        "inner step `{}` depends on `{dep}`, which is not a step of the same loop body",
                        step.id
                    ),
                ),
            };
            let known = siblings.iter().map(|&s| index.entries[s].step.id.as_str());
            issue.suggestion = if let Some(best) = super::closest(dep, known) {
                Some(format!("did you mean `{best}`?"))
            } else if let (Some(p), true) = (parent, index.top_by_id.contains_key(dep.as_str())) {
                let loop_id = &index.entries[p].step.id;
                Some(format!(
                    "inner steps depend only on their siblings; add `{dep}` to the `depends_on` of `{loop_id}` instead"
                ))
            } else {
                Some("remove it, or add the missing step".to_string())
            };
            run.report(check, issue);
        }
    }
    let ancestry = Ancestry::new(deps);
    for cycle in ancestry.cycles() {
        let ids: Vec<&str> = cycle
            .iter()
            .map(|&n| index.entries[siblings[n]].step.id.as_str())
            .collect();
        let first = &index.entries[siblings[cycle[0]]];
        let mut shown = ids.join(" → ");
        shown.push_str(" → ");
        shown.push_str(ids[0]);
        let message = if ids.len() == 1 {
            format!("`{}` depends on itself", ids[0])
        } else {
            format!(
                "steps wait on each other in a cycle: {shown} (→ = depends on); none of them can ever start"
            )
        };
        run.report(
            check,
            Issue::error(
                codes::CYCLE,
                Some(&first.step.id),
                format!("{}.depends_on", first.path),
                message,
            )
            .with_suggestion(format!("remove one of these dependencies: {shown}")),
        );
    }
    ancestry
}

/// `steps.<id>` in a template must name a transitive ancestor; inside a loop body, an
/// ancestor of the loop step (or the loop step itself, for its `.item` alias).
fn template_dependencies(run: &mut Run<'_>, top: &Ancestry) {
    let index: &StepIndex = run.index;
    let mut issues = Vec::new();
    for field in run.fields {
        let Ok(parsed) = &field.parsed else { continue };
        let entry = &index.entries[field.entry];
        // The top-level step whose position in the graph decides what has finished.
        let reader_top = entry.top;
        let loop_step = entry.parent.map(|p| index.entries[p].step);
        let mut reported: HashSet<&str> = HashSet::new();
        for path in parsed.paths() {
            let Some(target) = path.step_id() else {
                continue;
            };
            if reported.contains(target) {
                continue;
            }
            let issue = |message: String, suggestion: String| {
                Issue::error(
                    codes::TEMPLATE_MISSING_DEPENDENCY,
                    Some(&entry.step.id),
                    field.json_path.clone(),
                    message,
                )
                .with_suggestion(suggestion)
            };
            let Some(&target_entry) = index.top_by_id.get(target) else {
                let sibling = index
                    .siblings(field.entry)
                    .iter()
                    .any(|&s| index.entries[s].step.id == target);
                let known = index.top_by_id.keys().copied();
                let suggestion = if sibling {
                    format!("inside a loop body, read a sibling's output as {{{{body.{target}…}}}}")
                } else if let Some(best) = super::closest(target, known) {
                    format!("did you mean `steps.{best}`?")
                } else {
                    "name an upstream step of this graph".to_string()
                };
                issues.push(issue(format!("`{path}` reads step `{target}`, which is not a top-level step of this graph"), suggestion));
                reported.insert(target);
                continue;
            };
            let target_top = index.entries[target_entry].top;
            if let Some(loop_step) = loop_step
                && loop_step.id == target
            {
                let alias = matches!(path.segments.get(1), Some(Segment::Key(k)) if k == "item" || k == "index");
                if !alias {
                    issues.push(issue(
                        format!("`{path}` reads the loop step `{target}` from inside its own body, where it has not finished"),
                        format!("use {{{{steps.{target}.item}}}} (or {{{{item}}}}) for the current element, or {{{{body.<id>}}}} for a sibling's output"),
                    ));
                    reported.insert(target);
                }
                continue;
            }
            // Inner steps see what their loop step sees; the loop step's own fields likewise.
            if top.is_ancestor(target_top, reader_top) == Some(false) {
                let reader = &run.graph.steps[reader_top].id;
                let message = if target_top == reader_top {
                    format!(
                        "`{path}` reads the output of `{target}` itself, which does not exist while it runs"
                    )
                } else {
                    format!(
                        "`{path}` reads step `{target}`, which is not upstream of `{reader}`: it may not have run yet"
                    )
                };
                let suggestion = if target_top == reader_top {
                    "read an upstream step, or the step's input through {{input.…}}".to_string()
                } else {
                    format!("add `{target}` to the `depends_on` of `{reader}`")
                };
                issues.push(issue(message, suggestion));
                reported.insert(target);
            }
        }
    }
    for issue in issues {
        run.report(CheckName::Dependencies, issue);
    }
}

//! A flat view of a graph's steps (top-level and inner) with their JSON paths, and the
//! templates they hold parsed once for every check that reads them.

use std::collections::HashMap;

use serde_json::Value;

use crate::graph::{Graph, Step, StepConfig};
use crate::template::{Template, TemplatePath, TemplateSyntaxError, TemplatedValue};

/// One step and where it sits.
pub(crate) struct Entry<'g> {
    pub step: &'g Step,
    /// JSON path in the normalized graph, e.g. `$.steps[3].for_each_body_steps[0]`.
    pub path: String,
    /// Index (into [`StepIndex::entries`]) of the loop step whose body holds this step.
    pub parent: Option<usize>,
    /// Index in `graph.steps` of the top-level step this one is, or sits under.
    pub top: usize,
}

/// Every step of a graph in document order (a loop step before its body).
pub(crate) struct StepIndex<'g> {
    pub entries: Vec<Entry<'g>>,
    /// Entry index of the first top-level step with each id.
    pub top_by_id: HashMap<&'g str, usize>,
    /// Entry indexes of each step's direct body, by entry index of the loop step.
    pub children: HashMap<usize, Vec<usize>>,
}

impl<'g> StepIndex<'g> {
    pub fn new(graph: &'g Graph) -> Self {
        let mut entries = Vec::new();
        let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
        // Iterative walk: import bounds body depth, but the index does not rely on it.
        let mut pending: Vec<(&'g Step, String, Option<usize>, usize)> = graph
            .steps
            .iter()
            .enumerate()
            .rev()
            .map(|(i, s)| (s, format!("$.steps[{i}]"), None, i))
            .collect();
        while let Some((step, path, parent, top)) = pending.pop() {
            let index = entries.len();
            if let Some(p) = parent {
                children.entry(p).or_default().push(index);
            }
            let body_key = match step.config {
                StepConfig::ForEach(_) => "for_each_body_steps",
                _ => "while_body_steps",
            };
            for (i, inner) in step.body().iter().enumerate().rev() {
                pending.push((inner, format!("{path}.{body_key}[{i}]"), Some(index), top));
            }
            entries.push(Entry {
                step,
                path,
                parent,
                top,
            });
        }
        let mut top_by_id = HashMap::with_capacity(graph.steps.len());
        for (index, entry) in entries.iter().enumerate() {
            if entry.parent.is_none() {
                top_by_id.entry(entry.step.id.as_str()).or_insert(index);
            }
        }
        StepIndex {
            entries,
            top_by_id,
            children,
        }
    }

    /// The loop step whose body holds entry `index`, if any.
    pub fn parent_step(&self, index: usize) -> Option<&'g Step> {
        self.entries[index].parent.map(|p| self.entries[p].step)
    }

    /// The sibling entries of `index` (the body it sits in), itself included.
    pub fn siblings(&self, index: usize) -> &[usize] {
        self.entries[index]
            .parent
            .and_then(|p| self.children.get(&p))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// The text of a templated field.
#[derive(Clone, Copy)]
pub(crate) enum Source<'g> {
    /// A string field (`prompt`, `system`): rendered to text.
    Text(&'g str),
    /// A JSON field whose strings are templates (`tool_args`, `condition`, …).
    Json(&'g Value),
}

/// A parsed template field.
pub(crate) enum Parsed {
    Text(Template),
    Json(TemplatedValue),
}

impl Parsed {
    pub fn paths(&self) -> Vec<&TemplatePath> {
        match self {
            Parsed::Text(t) => t.paths().collect(),
            Parsed::Json(v) => v.paths().collect(),
        }
    }
}

/// One field of one step that may hold templates.
pub(crate) struct TemplateField<'g> {
    /// Entry index of the step.
    pub entry: usize,
    pub field: &'static str,
    /// `$.steps[3].tool_args`.
    pub json_path: String,
    pub source: Source<'g>,
    /// The parsed templates, or each syntax error with the JSON path of its string.
    pub parsed: Result<Parsed, Vec<(String, TemplateSyntaxError)>>,
}

/// The fields of a step that hold templates (docs/contract.md §2, §3).
fn templated_fields(step: &Step) -> Vec<(&'static str, Source<'_>)> {
    let mut out = Vec::new();
    if let Some(v) = &step.condition {
        out.push(("condition", Source::Json(v)));
    }
    let json = match &step.config {
        StepConfig::McpCall(c) => c.tool_args.as_ref().map(|v| ("tool_args", v)),
        StepConfig::HumanTask(c) => c.task_payload.as_ref().map(|v| ("task_payload", v)),
        StepConfig::ForEach(c) => c.items.as_ref().map(|v| ("for_each_items", v)),
        StepConfig::While(c) => c.condition.as_ref().map(|v| ("while_condition", v)),
        StepConfig::AgentCall(c) => c.input.as_ref().map(|v| ("input", v)),
        _ => None,
    };
    out.extend(json.map(|(name, v)| (name, Source::Json(v))));
    if let StepConfig::AgentCall(c) = &step.config
        && let Some(messages) = &c.messages
    {
        out.push(("messages", Source::Json(messages)));
    }
    let text: [(&'static str, Option<&String>); 2] = match &step.config {
        StepConfig::LlmCall(c) => [("prompt", c.prompt.as_ref()), ("system", c.system.as_ref())],
        StepConfig::AgentCall(c) => [("prompt", c.prompt.as_ref()), ("", None)],
        _ => [("", None), ("", None)],
    };
    out.extend(
        text.into_iter()
            .filter_map(|(name, v)| Some((name, Source::Text(v?.as_str())))),
    );
    out
}

/// Parses every templated field of every step, in document order.
pub(crate) fn parse_template_fields<'g>(index: &StepIndex<'g>) -> Vec<TemplateField<'g>> {
    let mut fields = Vec::new();
    for (entry, e) in index.entries.iter().enumerate() {
        for (field, source) in templated_fields(e.step) {
            let json_path = format!("{}.{field}", e.path);
            let parsed = match source {
                Source::Text(s) => Template::parse(s)
                    .map(Parsed::Text)
                    .map_err(|err| vec![(json_path.clone(), err)]),
                Source::Json(v) => TemplatedValue::parse_at(v, &json_path).map(Parsed::Json),
            };
            fields.push(TemplateField {
                entry,
                field,
                json_path,
                source,
                parsed,
            });
        }
    }
    fields
}

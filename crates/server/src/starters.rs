//! The built-in starter gallery: the workflow graphs of `examples/`, compiled into the
//! binary, each with a name and a one-line description for people choosing one. The
//! console's empty Workflows page lists them (`GET /v1/starters`) and creates a workflow
//! from the one picked (`GET /v1/starters/{id}` gives its graph); Autopilot's
//! `scaffold_starter` tool is meant to read the same list.
//!
//! This module has one job: say which starters exist and what each one is. Creating a
//! workflow from one goes through the ordinary `POST /v1/workflows`.

use std::sync::LazyLock;

use ar_model::graph::{Graph, Step};
use ar_model::import::{GraphLimits, parse_graph_value};
use serde_json::{Map, Value};

/// One entry of the gallery, as written below.
struct Entry {
    /// The example's file stem: stable, used in URLs.
    id: &'static str,
    name: &'static str,
    /// One line, for a card: what the workflow does, in the user's words.
    description: &'static str,
    /// The example file's text (`include_str!`).
    source: &'static str,
}

/// The gallery, in the order it is shown: the one that runs with nothing configured first.
/// Adding a file to `examples/` without a row here fails `every_example_is_in_the_gallery`.
const ENTRIES: &[Entry] = &[
    Entry {
        id: "expense-report-review",
        name: "Expense report review",
        description: "Total an expense report, score every line, ask finance to approve, then pay out in batches.",
        source: include_str!("../../../examples/expense-report-review.json"),
    },
    Entry {
        id: "approval-gated-publish",
        name: "Approval-gated publishing",
        description: "A model drafts a blog post, an editor approves it, then it is published.",
        source: include_str!("../../../examples/approval-gated-publish.json"),
    },
    Entry {
        id: "triage-support-tickets",
        name: "Support ticket triage",
        description: "Fetch the open tickets of a helpdesk queue, classify each with a model and post the urgent ones to an escalation channel.",
        source: include_str!("../../../examples/triage-support-tickets.json"),
    },
    Entry {
        id: "weekly-metrics-digest",
        name: "Weekly metrics digest",
        description: "Pull last week's product metrics, compute the week-over-week changes, have a model write the digest and email it.",
        source: include_str!("../../../examples/weekly-metrics-digest.json"),
    },
    Entry {
        id: "enrich-contacts",
        name: "Enrich CRM contacts",
        description: "Load new CRM contacts, look each one up in a company-data service and write the enriched records back.",
        source: include_str!("../../../examples/enrich-contacts.json"),
    },
    Entry {
        id: "refine-summary-until-good",
        name: "Summarise until it is good",
        description: "Summarise a document, then rewrite the summary with a critic's feedback until it scores high enough.",
        source: include_str!("../../../examples/refine-summary-until-good.json"),
    },
    Entry {
        id: "research-with-agent",
        name: "Research with an agent",
        description: "An agent plans the research and investigates each source; a report export is started and polled until it is ready.",
        source: include_str!("../../../examples/research-with-agent.json"),
    },
];

/// A starter: what the gallery shows, and the graph a workflow made from it starts with.
#[derive(Debug, Clone)]
pub struct Starter {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// The example's graph as written (any of the three accepted shapes), without its
    /// top-level `name` and `description`, which belong to the workflow, not the graph.
    pub graph: Value,
    /// Steps in total, inner loop steps included.
    pub step_count: usize,
    /// The step types used (inner steps included), sorted: what a starter needs to run
    /// (`llm_call` a model key, `mcp_call` an MCP server, …).
    pub step_types: Vec<&'static str>,
}

impl Starter {
    /// The gallery card: everything but the graph.
    pub fn summary(&self) -> StarterCard {
        StarterCard {
            id: self.id,
            name: self.name,
            description: self.description,
            step_count: self.step_count,
            step_types: self.step_types.clone(),
        }
    }

    /// The card plus the graph.
    pub fn detail(&self) -> StarterDetail {
        StarterDetail {
            card: self.summary(),
            graph: self.graph.clone(),
        }
    }
}

/// A card of the gallery (`GET /v1/starters`).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StarterCard {
    pub id: &'static str,
    pub name: &'static str,
    /// One line: what the workflow does.
    pub description: &'static str,
    /// Steps in total, inner loop steps included.
    pub step_count: usize,
    /// The step types it uses, sorted.
    pub step_types: Vec<&'static str>,
}

/// `GET /v1/starters/{id}`: the card and the graph a workflow made from it starts with.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StarterDetail {
    #[serde(flatten)]
    pub card: StarterCard,
    /// The graph, ready for `POST /v1/workflows`.
    #[schema(value_type = Object)]
    pub graph: Value,
}

/// Parsed once: the sources are part of the binary and checked by the tests below, so a
/// failure here is a build defect, not bad input.
static STARTERS: LazyLock<Vec<Starter>> = LazyLock::new(|| ENTRIES.iter().map(load).collect());

fn load(entry: &Entry) -> Starter {
    let value: Value = serde_json::from_str(entry.source)
        .unwrap_or_else(|e| panic!("examples/{}.json is not JSON: {e}", entry.id));
    let parsed = parse_graph_value(&value, &GraphLimits::default())
        .unwrap_or_else(|e| panic!("examples/{}.json is not a graph: {e}", entry.id));
    let mut graph: Map<String, Value> = match value {
        Value::Object(map) => map,
        _ => unreachable!("parse_graph_value accepts objects only"),
    };
    graph.remove("name");
    graph.remove("description");
    Starter {
        id: entry.id,
        name: entry.name,
        description: entry.description,
        graph: Value::Object(graph),
        step_count: count_steps(&parsed.graph.steps),
        step_types: step_types(&parsed.graph),
    }
}

fn count_steps(steps: &[Step]) -> usize {
    steps.iter().map(|s| 1 + count_steps(s.body())).sum()
}

fn step_types(graph: &Graph) -> Vec<&'static str> {
    fn visit(steps: &[Step], out: &mut Vec<&'static str>) {
        for s in steps {
            if let Some(t) = s.step_type() {
                out.push(t.as_str());
            }
            visit(s.body(), out);
        }
    }
    let mut out = Vec::new();
    visit(&graph.steps, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

/// Every starter, in gallery order.
pub fn all() -> &'static [Starter] {
    &STARTERS
}

/// The starter with this id.
pub fn find(id: &str) -> Option<&'static Starter> {
    STARTERS.iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_starter_is_a_graph_that_imports_without_errors() {
        for s in all() {
            let parsed = parse_graph_value(&s.graph, &GraphLimits::default())
                .unwrap_or_else(|e| panic!("{}: {e}", s.id));
            let errors: Vec<_> = parsed
                .issues
                .iter()
                .filter(|i| i.severity == ar_model::issue::Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", s.id);
            assert!(s.step_count > 0, "{} has no steps", s.id);
            assert!(
                s.graph.get("name").is_none() && s.graph.get("description").is_none(),
                "{}: the workflow's name and description are not part of its graph",
                s.id
            );
        }
    }

    #[test]
    fn every_example_is_in_the_gallery() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
        let files: BTreeSet<String> = std::fs::read_dir(dir)
            .expect("examples/ exists")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        let listed: BTreeSet<String> = ENTRIES.iter().map(|e| e.id.to_string()).collect();
        assert_eq!(files, listed, "examples/ and the starter gallery differ");
    }

    #[test]
    fn ids_are_unique_and_descriptions_are_one_line() {
        let ids: BTreeSet<&str> = ENTRIES.iter().map(|e| e.id).collect();
        assert_eq!(ids.len(), ENTRIES.len(), "duplicate starter id");
        for e in ENTRIES {
            assert!(
                !e.description.contains('\n'),
                "{}: description on one line",
                e.id
            );
            assert!(
                e.description.len() <= 160,
                "{}: a card's line, not a paragraph",
                e.id
            );
        }
    }

    #[test]
    fn counts_inner_steps_and_lists_types_once() {
        let s = find("expense-report-review").expect("listed");
        // Six top-level steps and one inner step in each of the two loops.
        assert_eq!(s.step_count, 8);
        assert_eq!(
            s.step_types,
            vec!["for_each", "human_task", "lua_script", "while"]
        );
        assert!(find("no-such-starter").is_none());
    }
}

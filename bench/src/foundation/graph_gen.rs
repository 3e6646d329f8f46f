//! Generated workflow graphs of any size for the dry-run benchmark.
//!
//! The graph is built from blocks of ten steps shaped like real workflows: a tool call
//! that fetches a page of data, a short chain of Lua transforms, three model calls fanning
//! out from the transforms, two tool calls storing their answers, and a Lua step fanning
//! the block back in. Each block's fetch depends on the previous block's fan-in, so the
//! whole graph is one long, branching DAG whose templates and scripts read ancestors
//! both near (direct dependencies) and far (transitive ones, across blocks).

use serde_json::{Value, json};

/// Steps per block; graph sizes are rounded up to a multiple of it.
pub const BLOCK: usize = 10;

/// A graph of `blocks * 10` steps in the steps-only shape.
pub fn generate(blocks: usize) -> Value {
    let mut steps = Vec::with_capacity(blocks * BLOCK);
    for b in 0..blocks {
        steps.extend(block(b));
    }
    json!({
        "input_schema": {
            "type": "object",
            "properties": {
                "account": { "type": "string", "default": "acme" },
                "page_size": { "type": "integer", "default": 50 },
                "model": { "type": "string", "default": "gpt-4o-mini" }
            }
        },
        "steps": steps
    })
}

fn id(block: usize, slot: usize) -> String {
    let kind = match slot {
        0 => "fetch",
        1..=3 => "transform",
        4..=6 => "summarise",
        7 | 8 => "store",
        _ => "merge",
    };
    format!("b{block}-{kind}-{slot}")
}

fn block(b: usize) -> Vec<Value> {
    let fetch = id(b, 0);
    let mut steps = Vec::with_capacity(BLOCK);

    // 0: fetch, after the previous block's fan-in.
    let (depends_on, cursor) = if b == 0 {
        (vec![], "\"\"".to_string())
    } else {
        let prev = id(b - 1, 9);
        (
            vec![prev.clone()],
            format!("steps.{prev}.result.next_cursor | \"\""),
        )
    };
    steps.push(json!({
        "id": fetch, "type": "mcp_call", "name": format!("Fetch page {b}"),
        "depends_on": depends_on,
        "server_url": "https://mcp.crm.example.com/mcp", "tool_name": "list_records",
        "tool_args": {
            "account": "{{ input.account }}",
            "limit": "{{ input.page_size | 50 }}",
            "cursor": format!("{{{{ {cursor} }}}}"),
            "filter": { "updated_since": "{{ input.since | omit }}", "owner": "{{ connection.user.email | \"any\" }}" }
        },
        "retry_count": 2
    }));

    // 1–3: a chain of transforms.
    for slot in 1..=3 {
        let prev = id(b, slot - 1);
        let script = format!(
            "local page = steps[\"{fetch}\"].result or {{}}\nlocal rows = json.array()\nfor i, r in ipairs(page.records or {{}}) do\n  if r.active then table.insert(rows, {{ id = r.id, score = (r.score or 0) * {slot} }}) end\nend\nreturn {{ rows = rows, count = #rows, stage = {slot} }}\n"
        );
        steps.push(json!({
            "id": id(b, slot), "type": "lua_script", "name": format!("Transform {slot}"),
            "depends_on": [prev], "script": script
        }));
    }

    // 4–6: model calls fanning out from the last transform.
    for slot in 4..=6 {
        steps.push(json!({
            "id": id(b, slot), "type": "llm_call", "name": format!("Summarise {slot}"),
            "depends_on": [id(b, 3)],
            "model": "gpt-4o-mini",
            "prompt": format!(
                "Account {{{{ input.account }}}}, page {b}: summarise these {{{{ steps.{}.result.count }}}} rows: {{{{ steps.{}.result.rows }}}} (first fetched: {{{{ steps.{fetch}.result.records.0.id | \"none\" }}}})",
                id(b, 3), id(b, 2)
            ),
            "llm_params": { "temperature": 0.2, "max_tokens": 300 }
        }));
    }

    // 7–8: store two of the summaries.
    for slot in 7..=8 {
        let summary = id(b, slot - 3);
        steps.push(json!({
            "id": id(b, slot), "type": "mcp_call", "name": format!("Store {slot}"),
            "depends_on": [summary],
            "server_url": "https://mcp.crm.example.com/mcp", "tool_name": "add_note",
            "tool_args": {
                "record": format!("{{{{ steps.{fetch}.result.records.0.id }}}}"),
                "text": format!("{{{{ steps.{summary}.result.text }}}}"),
                "tags": ["summary", format!("page-{b}")],
                "run": "{{ run.id }}"
            }
        }));
    }

    // 9: fan-in of the stores and the third summary.
    let merge_deps = [id(b, 7), id(b, 8), id(b, 6)];
    let script = format!(
        "local a = steps[\"{}\"].result or {{}}\nlocal b = steps[\"{}\"].result or {{}}\nlocal s = steps[\"{}\"].result or {{}}\nreturn {{ stored = json.array({{ a.note_id, b.note_id }}), digest = s.text, next_cursor = (steps[\"{fetch}\"].result or {{}}).next_cursor }}\n",
        merge_deps[0], merge_deps[1], merge_deps[2]
    );
    steps.push(json!({
        "id": id(b, 9), "type": "lua_script", "name": "Merge block", "depends_on": merge_deps, "script": script
    }));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use ar_model::import::{GraphLimits, parse_graph_value};

    #[test]
    fn generated_graphs_have_the_requested_size_and_import_cleanly() {
        for blocks in [1, 10, 100] {
            let graph = generate(blocks);
            let parsed = parse_graph_value(&graph, &GraphLimits::default()).expect("imports");
            assert_eq!(parsed.graph.steps.len(), blocks * BLOCK);
            assert!(
                parsed.issues.is_empty(),
                "import issues: {:?}",
                parsed.issues
            );
        }
    }

    #[test]
    fn every_dependency_names_an_earlier_step() {
        let graph = generate(3);
        let steps = graph["steps"].as_array().expect("steps");
        let mut seen = std::collections::HashSet::new();
        for step in steps {
            for dep in step["depends_on"].as_array().into_iter().flatten() {
                assert!(
                    seen.contains(dep.as_str().unwrap_or_default()),
                    "{dep} used before it is defined"
                );
            }
            seen.insert(step["id"].as_str().unwrap_or_default().to_string());
        }
    }
}

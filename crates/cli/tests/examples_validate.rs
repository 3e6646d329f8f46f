//! Every graph in `examples/` validates through the real binary. The only warnings
//! allowed are `executor_unavailable` (this binary runs no MCP, LLM or agent steps).

mod support;

use support::{agentruntime, example_graphs, example_params};

#[test]
fn every_example_is_valid_with_only_executor_warnings() {
    let examples = example_graphs();
    assert!(!examples.is_empty(), "no examples found");
    let mut failures = Vec::new();
    for graph in &examples {
        let graph_arg = graph.display().to_string();
        let params_arg = example_params(graph).map(|p| format!("@{}", p.display()));
        let mut args = vec!["validate", graph_arg.as_str(), "--json"];
        if let Some(params) = &params_arg {
            args.extend(["--params", params.as_str()]);
        }
        let run = agentruntime(&args);
        let response = run.json();
        let unexpected: Vec<String> = response["issues"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|i| i["code"] != "executor_unavailable")
            .map(|i| {
                format!(
                    "{} {} at {}: {}",
                    i["severity"], i["code"], i["json_path"], i["message"]
                )
            })
            .collect();
        if run.code != Some(0) || response["valid"] != true || !unexpected.is_empty() {
            failures.push(format!(
                "{graph_arg}: exit {:?}, valid {}, issues {unexpected:#?}",
                run.code, response["valid"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "examples that do not validate cleanly:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_example_reports_valid_in_the_human_format() {
    for graph in example_graphs() {
        let graph_arg = graph.display().to_string();
        let params_arg = example_params(&graph).map(|p| format!("@{}", p.display()));
        let mut args = vec!["validate", graph_arg.as_str()];
        if let Some(params) = &params_arg {
            args.extend(["--params", params.as_str()]);
        }
        let run = agentruntime(&args);
        assert_eq!(
            run.code,
            Some(0),
            "{graph_arg}:\n{}{}",
            run.stdout,
            run.stderr
        );
        assert!(
            run.stdout.contains("graph is valid (hash "),
            "{graph_arg}:\n{}",
            run.stdout
        );
    }
}

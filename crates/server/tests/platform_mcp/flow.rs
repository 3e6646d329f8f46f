//! The whole workflow flow through tools only, every answer checked against its tool's
//! output schema.

use super::*;

async fn whole_flow(backend: Backend) {
    let s = start(backend).await;
    let ws = workspace(&s, "acme").await;
    let scopes = [
        TokenScope::WorkflowRead,
        TokenScope::WorkflowWrite,
        TokenScope::WorkflowRun,
    ];
    let (_, token) = pat(&s, &ws.owner, "acme", &scopes).await;
    let client = connect(&s, &token, Era::Stateless).await.expect("connect");
    let tools = client.peer().list_all_tools().await.expect("tools");
    let schema_of = |name: &str| {
        let tool = tools.iter().find(|t| t.name == name).expect("tool");
        Value::Object((*tool.output_schema.clone().expect("schema")).clone())
    };
    // Every successful answer fits its tool's output schema.
    let checked = |name: &str, r: &CallToolResult| {
        let value = ok(name, r);
        let validator = jsonschema::validator_for(&schema_of(name)).expect("schema compiles");
        assert!(
            validator.is_valid(&value),
            "{name}: {value} does not fit {}",
            schema_of(name)
        );
        value
    };
    let graph: Value = serde_json::from_str(HUMAN_GRAPH).expect("graph");
    let created = call(
        &client,
        "workflows_create",
        json!({"name": "Approval", "graph": graph}),
    )
    .await;
    let created = checked("workflows_create", &created);
    let wf = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["status"], "draft");
    let got = checked(
        "workflows_get",
        &call(&client, "workflows_get", json!({"workflow_id": wf})).await,
    );
    assert_eq!(got["name"], "Approval");
    let patched = call(
        &client,
        "workflows_patch",
        json!({"workflow_id": wf, "description": "asks a human"}),
    )
    .await;
    checked("workflows_patch", &patched);
    let valid = checked(
        "workflows_validate",
        &call(&client, "workflows_validate", json!({"workflow_id": wf})).await,
    );
    assert_eq!(valid["valid"], true, "{valid}");
    let published = call(
        &client,
        "workflows_publish_version",
        json!({"workflow_id": wf, "changelog": "v1"}),
    )
    .await;
    assert_eq!(
        checked("workflows_publish_version", &published)["version"],
        1
    );
    let listed = checked(
        "workflows_list",
        &call(&client, "workflows_list", json!({})).await,
    );
    assert_eq!(listed["workflows"].as_array().map(Vec::len), Some(1));

    let started = call(
        &client,
        "workflows_execute_command",
        json!({"workflow_id": wf, "command": "start", "params": {}}),
    )
    .await;
    let run = checked("workflows_execute_command", &started)["run_id"]
        .as_str()
        .expect("run")
        .to_string();
    let mut summary = Value::Null;
    for _ in 0..200 {
        let r = call(
            &client,
            "runs_get_summary",
            json!({"workflow_id": wf, "run_id": run}),
        )
        .await;
        summary = checked("runs_get_summary", &r);
        if summary["awaiting_human"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(summary["awaiting_human"], true, "{summary}");
    let health = checked(
        "ar_health_summary",
        &call(&client, "ar_health_summary", json!({})).await,
    );
    assert_eq!(health["counts"]["workflows"], 1, "{health}");
    assert_eq!(health["counts"]["active_runs"], 1, "{health}");
    assert_eq!(health["counts"]["pending_tasks"], 1, "{health}");
    let inbox = checked(
        "tasks_list_pending",
        &call(&client, "tasks_list_pending", json!({})).await,
    );
    let task = inbox["tasks"][0]["task_id"]
        .as_str()
        .expect("task")
        .to_string();
    let of_run = call(
        &client,
        "tasks_list_pending_run",
        json!({"workflow_id": wf, "run_id": run}),
    )
    .await;
    assert_eq!(
        checked("tasks_list_pending_run", &of_run)["tasks"][0]["task_id"],
        task.as_str()
    );
    let done = call(&client, "tasks_complete", json!({"workflow_id": wf, "run_id": run, "task_id": task, "approved": true, "result": {"ok": 1}})).await;
    assert_eq!(checked("tasks_complete", &done)["status"], "completed");
    for _ in 0..200 {
        let r = call(
            &client,
            "runs_get_summary",
            json!({"workflow_id": wf, "run_id": run}),
        )
        .await;
        summary = checked("runs_get_summary", &r);
        if summary["run_complete"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(summary["status"], "completed", "{summary}");
    checked(
        "runs_get_context",
        &call(
            &client,
            "runs_get_context",
            json!({"workflow_id": wf, "run_id": run}),
        )
        .await,
    );
    let events = checked(
        "runs_list_events",
        &call(
            &client,
            "runs_list_events",
            json!({"workflow_id": wf, "run_id": run}),
        )
        .await,
    );
    let count = events["events"].as_array().map(Vec::len).unwrap_or(0);
    assert!(count >= 3, "{events}");
    let runs = checked(
        "workflows_list_runs",
        &call(&client, "workflows_list_runs", json!({"workflow_id": wf})).await,
    );
    assert_eq!(runs["runs"][0]["run_id"], run.as_str(), "{runs}");
    checked(
        "runs_list_tenant",
        &call(&client, "runs_list_tenant", json!({"status": "completed"})).await,
    );
    // The stream of an ended run: every event, then the end.
    let streamed = call(
        &client,
        "workflows_stream_websocket",
        json!({"workflow_id": wf, "run_id": run, "max_seconds": 5}),
    )
    .await;
    let streamed = checked("workflows_stream_websocket", &streamed);
    assert_eq!(streamed["ended"], "run_ended", "{streamed}");
    assert_eq!(streamed["frames"].as_array().map(Vec::len), Some(count));
    // Bounds: two frames at most; out-of-range bounds are refused.
    let two = call(
        &client,
        "workflows_stream_websocket",
        json!({"workflow_id": wf, "run_id": run, "max_messages": 2}),
    )
    .await;
    let two = checked("workflows_stream_websocket", &two);
    assert_eq!(
        (two["frames"].as_array().map(Vec::len), &two["ended"]),
        (Some(2), &json!("max_messages"))
    );
    for bad in [
        json!({"max_seconds": 31}),
        json!({"max_messages": 1001}),
        json!({"max_bytes": 1_048_577}),
        json!({"max_seconds": 0}),
    ] {
        let mut args = bad.as_object().cloned().unwrap_or_default();
        args.insert("workflow_id".into(), json!(wf));
        refused(
            "workflows_stream_websocket",
            &call(&client, "workflows_stream_websocket", Value::Object(args)).await,
        );
    }
    let _ = client.cancel().await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_through_tools_sqlite() {
    whole_flow(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_through_tools_postgres() {
    whole_flow(Backend::Postgres).await;
}

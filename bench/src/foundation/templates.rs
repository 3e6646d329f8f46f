//! Template rendering throughput on a typical `tool_args` object.

use std::time::Duration;

use anyhow::{Context as _, anyhow};
use ar_model::template::{MapScope, TemplatedValue};
use serde_json::{Value, json};

use crate::measure::{format_rate, per_second};
use crate::report::Row;

/// A `tool_args` object as a real graph writes one: a dozen fields, nested objects and an
/// array, whole-value templates (which keep their JSON type), text with several
/// interpolations, a coalesce chain ending in a literal, and an `omit`.
fn typical_tool_args() -> Value {
    json!({
        "customer_id": "{{ input.customer.id }}",
        "email": "{{ steps.lookup-contact.result.email | input.customer.email | \"unknown@example.com\" }}",
        "subject": "Order {{ steps.fetch-order.result.order.number }} for {{ input.customer.name }} ({{ steps.fetch-order.result.order.items.0.sku }})",
        "items": "{{ steps.fetch-order.result.order.items }}",
        "total": "{{ steps.fetch-order.result.order.total }}",
        "currency": "{{ input.currency | \"EUR\" }}",
        "priority": "{{ input.priority | omit }}",
        "channel": "support",
        "metadata": {
            "run": "{{ run.id }}",
            "workflow": "{{ run.workflow_id }} v{{ run.version }}",
            "region": "{{ connection.account.region | \"eu\" }}",
            "source": "agentruntime"
        },
        "tags": ["order", "{{ steps.classify.result.category }}", "{{ input.segment | \"default\" }}"],
        "notify": "{{ steps.classify.result.urgent }}",
        "note": "Customer since {{ input.customer.since }}; {{ steps.fetch-order.result.order.items.length | 0 }} item(s) on hold."
    })
}

/// The run state the templates read.
fn typical_scope() -> MapScope {
    let items: Vec<Value> =
        (0..5).map(|i| json!({ "sku": format!("SKU-{i:04}"), "qty": i + 1, "price": 9.99 * f64::from(i + 1) })).collect();
    let scope = json!({
        "input": {
            "customer": { "id": "cus_123", "name": "Ada Lovelace", "email": "ada@example.com", "since": "2019-04-02" },
            "currency": "GBP",
            "segment": "enterprise"
        },
        "steps": {
            "lookup-contact": { "result": { "email": null }, "input": {} },
            "fetch-order": { "result": { "order": { "number": "A-1042", "total": 149.85, "items": items } }, "input": {} },
            "classify": { "result": { "category": "billing", "urgent": true }, "input": {} }
        },
        "run": { "id": "0193a6f0-7c2e-7000-8000-000000000001", "workflow_id": "wf_orders", "version": 3 },
        "connection": { "account": { "region": "us" } }
    });
    match scope {
        Value::Object(map) => MapScope(map),
        _ => MapScope::default(),
    }
}

/// How many templated strings the object holds (the unit of the per-template rate).
fn count_templated_strings(value: &Value) -> usize {
    match value {
        Value::String(s) => usize::from(s.contains("{{")),
        Value::Array(items) => items.iter().map(count_templated_strings).sum(),
        Value::Object(map) => map.values().map(count_templated_strings).sum(),
        _ => 0,
    }
}

/// Parses the object once and renders it repeatedly for `budget`.
pub fn run(budget: Duration) -> anyhow::Result<Vec<Row>> {
    let args = typical_tool_args();
    let templated_strings = count_templated_strings(&args);
    let parsed = TemplatedValue::parse(&args)
        .map_err(|errors| anyhow!("the benchmark's tool_args do not parse: {errors:?}"))?;
    let scope = typical_scope();
    // Fail loudly if the fixture stops resolving rather than timing an error path.
    parsed
        .render(&scope)
        .context("the benchmark's tool_args do not render")?;
    let objects_per_second = per_second(budget, || parsed.render(&scope))?;
    let workload = format!(
        "templates: tool_args ({} fields, {templated_strings} templated)",
        field_count(&args)
    );
    Ok(vec![
        Row::info(
            &workload,
            "objects rendered",
            format_rate(objects_per_second),
        ),
        Row::info(
            &workload,
            "templates rendered",
            format_rate(objects_per_second * templated_strings as f64),
        ),
    ])
}

fn field_count(value: &Value) -> usize {
    value.as_object().map_or(0, |m| m.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typical_tool_args_render_with_coalesce_and_omit_applied() {
        let parsed = TemplatedValue::parse(&typical_tool_args()).expect("parses");
        let out = parsed.render(&typical_scope()).expect("renders");
        assert_eq!(
            out["email"],
            json!("ada@example.com"),
            "null first alternative falls through"
        );
        assert_eq!(
            out["items"].as_array().map(Vec::len),
            Some(5),
            "whole-value template keeps the array"
        );
        assert_eq!(out["total"], json!(149.85));
        assert!(
            out.get("priority").is_none(),
            "unset | omit removes the key"
        );
        assert_eq!(out["metadata"]["workflow"], json!("wf_orders v3"));
        assert_eq!(out["metadata"]["region"], json!("us"));
        assert_eq!(
            out["note"],
            json!("Customer since 2019-04-02; 0 item(s) on hold.")
        );
    }
}

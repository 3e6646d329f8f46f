//! `graph_hash`: a digest of what the engine would run, stable under key order, whitespace
//! and editor-only data (positions), so two graphs that behave the same hash the same.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::graph::Graph;

/// Hex SHA-256 of the canonical JSON of the graph's engine-relevant part.
pub fn graph_hash(graph: &Graph) -> String {
    let mut canonical = String::new();
    write_canonical(&graph.to_engine_value(), &mut canonical);
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Compact JSON with object keys sorted, whatever map ordering serde_json was built with.
pub fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

//! `graph_hash`: a digest of what the engine would run, stable under key order, whitespace
//! and editor-only data (positions), so two graphs that behave the same hash the same.

use std::io;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::graph::Graph;

/// Hex SHA-256 of the canonical JSON of the graph's engine-relevant part.
///
/// The canonical text is streamed into the digest rather than built first: for a large
/// graph that text is hundreds of kilobytes, and building it was a fifth of a dry run.
pub fn graph_hash(graph: &Graph) -> String {
    let mut digest = DigestWriter(Sha256::new());
    // Writing into a digest cannot fail.
    let _ = write_canonical_to(&graph.to_engine_value(), &mut digest);
    hex::encode(digest.0.finalize())
}

/// Compact JSON with object keys sorted, whatever map ordering serde_json was built with.
pub fn write_canonical(v: &Value, out: &mut String) {
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail, and serde_json writes UTF-8 only.
    let _ = write_canonical_to(v, &mut bytes);
    out.push_str(&String::from_utf8_lossy(&bytes));
}

/// [`write_canonical`] into any writer. Strings and numbers are written by serde_json, so
/// escaping and number formatting are exactly those of `Value::to_string`.
fn write_canonical_to(v: &Value, out: &mut impl io::Write) -> io::Result<()> {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_unstable_by_key(|(k, _)| *k);
            out.write_all(b"{")?;
            for (i, (k, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut *out, k)?;
                out.write_all(b":")?;
                write_canonical_to(value, out)?;
            }
            out.write_all(b"}")
        }
        Value::Array(a) => {
            out.write_all(b"[")?;
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_canonical_to(x, out)?;
            }
            out.write_all(b"]")
        }
        scalar => Ok(serde_json::to_writer(out, scalar)?),
    }
}

/// Feeds written bytes into a SHA-256 digest.
struct DigestWriter(Sha256);

impl io::Write for DigestWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

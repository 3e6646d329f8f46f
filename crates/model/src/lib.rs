//! `ar-model`: the pure domain of agentruntime.
//!
//! Everything here is deterministic and free of I/O, async and SQL, so that the engine, the
//! API, the CLI and the console agree on one reading of a workflow:
//! - [`authz`]: roles, token scopes and the permission table (docs/contract.md §1);
//! - [`graph`]: the workflow graph (docs/contract.md §2) as typed Rust values;
//! - [`import`]: parsing the three accepted JSON shapes into one [`graph::Graph`], reporting
//!   unknown or mistyped step fields instead of dropping them;
//! - [`input`]: the run-start input against the input schema (defaults);
//! - [`template`]: the `{{ … }}` template language (docs/contract.md §3);
//! - [`validate`]: dry-run validation (docs/contract.md §8);
//! - [`hash`]: the canonical `graph_hash`;
//! - [`issue`]: the issue type shared by import and validation.

pub mod authz;
pub mod graph;
pub mod hash;
pub mod import;
pub mod input;
pub mod issue;
pub mod template;
pub mod validate;

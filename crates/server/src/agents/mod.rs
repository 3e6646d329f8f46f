//! Project agents (docs/contract.md §13; guide: docs/agents.md): what an agent is and
//! how its definition is checked ([`definition`], behind routes/agents.rs), and the
//! `agent_call` executor's access to agents and to the stored rounds of their turns
//! ([`backend`], wired in `default_executors`).

pub mod backend;
pub mod definition;
pub mod dry_run;

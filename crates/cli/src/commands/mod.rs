//! One module per subcommand. Each exposes `Args` (clap) and
//! `run(&Args) -> Result<Verdict, Unreadable>`.

pub mod admin;
pub mod backup;
pub mod dry_run;
pub mod mcp_bridge;
pub mod run;
pub mod serve;
mod test_hooks;
pub mod validate;

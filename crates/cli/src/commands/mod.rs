//! One module per subcommand. Each exposes `Args` (clap) and
//! `run(&Args) -> Result<Verdict, Unreadable>`.

pub mod run;
pub mod validate;

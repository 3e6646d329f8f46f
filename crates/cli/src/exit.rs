//! Exit statuses shared by every subcommand.
//!
//! - `0`: the command did its job and the answer is "yes" (e.g. the graph is valid);
//! - `1`: the command did its job and the answer is "no" (e.g. the graph has errors);
//! - `2`: the command could not do its job: unreadable input, bad arguments (clap uses
//!   2 for usage errors as well).

use std::process::ExitCode;

/// The answer of a command that ran to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Yes,
    No,
}

/// Why a command could not do its job. The message is printed on stderr as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub const EXIT_NO: u8 = 1;
pub const EXIT_UNREADABLE: u8 = 2;

/// Turns a command's outcome into the process exit status, reporting failures on stderr.
pub fn finish(outcome: Result<Verdict, Unreadable>) -> ExitCode {
    match outcome {
        Ok(Verdict::Yes) => ExitCode::SUCCESS,
        Ok(Verdict::No) => ExitCode::from(EXIT_NO),
        Err(error) => {
            let style = anstyle::AnsiColor::Red.on_default().bold();
            crate::output::eprint_styled(&format!("{style}error{style:#}: {error}\n"));
            ExitCode::from(EXIT_UNREADABLE)
        }
    }
}

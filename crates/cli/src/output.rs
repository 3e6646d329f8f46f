//! Writing results to stdout without panicking when the reader goes away
//! (`agentruntime validate … | head`).

use std::io::{ErrorKind, Write};

/// Writes text meant for machines (JSON) as is.
pub fn print_plain(text: &str) {
    write_ignoring_closed_pipe(std::io::stdout().lock(), text);
}

/// Writes text carrying ANSI styles, which are stripped unless stdout is a terminal that
/// wants colour (`NO_COLOR`, `CLICOLOR_FORCE` are honoured).
pub fn print_styled(text: &str) {
    write_ignoring_closed_pipe(anstream::stdout().lock(), text);
}

/// Writes a styled line on stderr; a closed stderr is ignored (there is nowhere left to
/// report it).
pub fn eprint_styled(text: &str) {
    let _ = anstream::stderr().lock().write_all(text.as_bytes());
}

fn write_ignoring_closed_pipe(mut out: impl Write, text: &str) {
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if let Err(error) = written
        && error.kind() != ErrorKind::BrokenPipe
    {
        let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {error}");
    }
}

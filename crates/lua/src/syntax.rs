//! Compile-only check for dry-run validation (`lua_syntax`).

use mlua::chunk::Compiler;

use crate::error::{LuaError, split_syntax_message};
use crate::limits::LuaLimits;
use crate::runtime::check_source_size;

/// The compiler tried first. Its bytecode is thrown away, so it skips the optimization
/// passes and debug information: about a third less work per script, which dominates the
/// dry run of a graph with hundreds of scripts.
const QUICK_COMPILER: Compiler = Compiler::new().set_optimization_level(0).set_debug_level(0);

/// The compiler `LuaRuntime` uses (Luau's defaults). Without optimization a script can hit a
/// compiler limit that the optimized build avoids (more than 200 locals, where constant
/// locals need no register once folded), so an error from the quick compiler is confirmed
/// here: the check refuses exactly what execution would refuse, with the same message.
const RUNTIME_COMPILER: Compiler = Compiler::new();

/// Compiles `script` without running it. The error carries the line number
/// and Luau's message. Sources over the default 64 KiB limit are refused.
pub fn check_syntax(script: &str) -> Result<(), LuaError> {
    check_source_size(script, LuaLimits::default().max_source_bytes)?;
    if QUICK_COMPILER.compile(script).is_ok() {
        return Ok(());
    }
    match RUNTIME_COMPILER.compile(script) {
        Ok(_) => Ok(()),
        Err(mlua::Error::SyntaxError { message, .. }) => {
            let (line, message) = split_syntax_message(&message);
            Err(LuaError::Syntax { line, message })
        }
        Err(other) => Err(LuaError::Syntax {
            line: None,
            message: other.to_string(),
        }),
    }
}

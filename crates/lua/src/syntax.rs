//! Compile-only check for dry-run validation (`lua_syntax`).

use mlua::chunk::Compiler;

use crate::error::{LuaError, split_syntax_message};
use crate::limits::LuaLimits;
use crate::runtime::check_source_size;

/// The compiler used only to find errors. Its bytecode is thrown away, so it skips the
/// optimization passes and debug information the runtime's compiler produces: about a third
/// less work per script, which dominates the dry run of a graph with hundreds of scripts.
/// Errors come from the parser and from compiler limits (locals, upvalues), which do not
/// depend on these levels; `tests/syntax.rs` checks both compilers agree.
const SYNTAX_COMPILER: Compiler = Compiler::new()
    .set_optimization_level(0)
    .set_debug_level(0);

/// Compiles `script` without running it. The error carries the line number
/// and Luau's message. Sources over the default 64 KiB limit are refused.
pub fn check_syntax(script: &str) -> Result<(), LuaError> {
    check_source_size(script, LuaLimits::default().max_source_bytes)?;
    match SYNTAX_COMPILER.compile(script) {
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

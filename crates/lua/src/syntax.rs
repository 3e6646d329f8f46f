//! Compile-only check for dry-run validation (`lua_syntax`).

use crate::error::{LuaError, split_syntax_message};
use crate::limits::LuaLimits;
use crate::runtime::check_source_size;

/// Compiles `script` without running it. The error carries the line number
/// and Luau's message. Sources over the default 64 KiB limit are refused.
pub fn check_syntax(script: &str) -> Result<(), LuaError> {
    check_source_size(script, LuaLimits::default().max_source_bytes)?;
    match mlua::chunk::Compiler::new().compile(script) {
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

//! Sandboxed Luau runtime for `lua_script` steps and `while_eval_script`
//! (docs/contract.md §4).
//!
//! ```
//! use ar_lua::{LuaLimits, LuaRuntime};
//! use serde_json::json;
//!
//! let mut runtime = LuaRuntime::new(LuaLimits::default()).unwrap();
//! let input = json!({ "n": 20 });
//! let result = runtime
//!     .execute("return { double = input.n * 2 }", &[("input", &input)], None)
//!     .unwrap();
//! assert_eq!(result["double"], json!(40));
//! ```
//!
//! The user guide for script authors is `docs/lua.md`.

pub mod checker;
mod convert;
mod error;
mod json_lib;
mod limits;
mod runtime;
mod sandbox;
mod syntax;
mod watchdog;

pub use checker::{BudgetedLuaChecker, SandboxLuaChecker};
pub use error::LuaError;
pub use limits::{LuaLimits, MAX_NESTING_DEPTH};
pub use runtime::LuaRuntime;
pub use syntax::check_syntax;

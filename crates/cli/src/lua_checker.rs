//! The Lua checks of dry-run validation, shared with the server: see [`ar_lua::checker`].

pub use ar_lua::checker::{FIXTURE_TIMEOUT, SandboxLuaChecker};

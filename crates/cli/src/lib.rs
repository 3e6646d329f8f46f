//! Library side of the `agentruntime` binary: the pieces other crates reuse (the
//! benchmarks today).

pub mod lua_checker;

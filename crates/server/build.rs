//! Rebuilds the server when the console build output changes. rust-embed decides at
//! compile time what `console/dist` holds (release builds embed it; a debug build compiled
//! while it was missing serves the "console not built" page for good), so a console built
//! after the server must trigger a rebuild of the server.
//!
//! Cargo treats a missing watched path as always changed, which would rebuild the server
//! on every build of a checkout whose console was never built; so the (git-ignored) folder
//! is created empty instead, and the server answers "console not built" until Vite fills it.

fn main() {
    let dist = std::path::Path::new("../../console/dist");
    let _ = std::fs::create_dir_all(dist);
    println!("cargo::rerun-if-changed=../../console/dist");
    println!("cargo::rerun-if-changed=build.rs");
}

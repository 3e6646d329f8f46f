//! Builds the web console (`console/` → `console/dist`) as part of the normal cargo build,
//! so `cargo run -p ar-cli -- serve` serves it with no separate step, and rebuilds the
//! server when the console's build output changes (rust-embed decides at compile time what
//! `console/dist` holds: release builds embed it).
//!
//! The console is rebuilt only when it is missing or older than its sources; a checkout
//! whose console was just built (as `scripts/test` does first) costs one directory walk.
//! Without npm, or with `AR_SKIP_CONSOLE_BUILD=1`, the build goes on with a warning and the
//! server answers "console not built" until `npm run build` is run in `console/`.
//!
//! Cargo treats a missing watched path as always changed, which would rebuild the server
//! on every build; so the (git-ignored) `console/dist` is created empty when nothing built it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const CONSOLE: &str = "../../console";
/// What the console's build reads, besides `node_modules`.
const SOURCES: &[&str] = &[
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

fn main() {
    let console = Path::new(CONSOLE);
    let dist = console.join("dist");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=AR_SKIP_CONSOLE_BUILD");
    for source in SOURCES {
        // Only paths that exist: cargo counts a missing one as changed on every build.
        if console.join(source).exists() {
            println!("cargo::rerun-if-changed={CONSOLE}/{source}");
        }
    }
    println!("cargo::rerun-if-changed={CONSOLE}/dist");

    if console.join("package.json").exists()
        && std::env::var_os("AR_SKIP_CONSOLE_BUILD").is_none()
        && is_stale(console, &dist)
        && let Err(why) = build_console(console)
    {
        println!(
            "cargo::warning=the web console was not built ({why}); `agentruntime serve` will say so at /. Build it with `npm install && npm run build` in console/"
        );
    }
    let _ = std::fs::create_dir_all(&dist);
}

/// Whether `dist` is missing or older than any console source.
fn is_stale(console: &Path, dist: &Path) -> bool {
    let Some(built) = modified(&dist.join("index.html")) else {
        return true;
    };
    SOURCES
        .iter()
        .filter_map(|s| newest(&console.join(s)))
        .any(|t| t > built)
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file, or of any file under a directory.
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = path.metadata().ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    let mut latest = meta.modified().ok();
    for entry in std::fs::read_dir(path).ok()?.flatten() {
        latest = latest.max(newest(&entry.path()));
    }
    latest
}

fn build_console(console: &Path) -> Result<(), String> {
    let npm = which_npm().ok_or("npm was not found on PATH")?;
    if !console.join("node_modules").exists() {
        // The exact versions package-lock.json pins (not `npm ci`: see docs/console.md).
        run(Command::new(&npm)
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--loglevel=error",
            ])
            .current_dir(console))?;
    }
    run(Command::new(&npm)
        .args(["run", "--silent", "build"])
        .current_dir(console))
}

fn which_npm() -> Option<PathBuf> {
    let name = if cfg!(windows) { "npm.cmd" } else { "npm" };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn run(command: &mut Command) -> Result<(), String> {
    // npm's output goes to stderr: cargo reads the build script's stdout for directives.
    command.stdout(std::io::stderr());
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("{shown} could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

//! Which environment variables a config profile may give a stdio server (docs/security.md,
//! "Host and operator processes").
//!
//! A stdio server is a program of the operator's catalog, run on the server's host. Its
//! environment decides what the program does before it reads a byte of MCP: `LD_PRELOAD`,
//! `NODE_OPTIONS=--require …`, `PYTHONSTARTUP`, `PATH`, `npm_config_*` all make it run
//! other code. So a tenant's profile may set exactly the variables the catalog entry
//! declares (its `credentials` and its `connection_env`), nothing else:
//!
//! - at write time, a profile naming any other variable is refused (422, naming them:
//!   [`check_profile_env`]);
//! - at spawn time, whatever the store holds (a row written before this rule, or by hand)
//!   is filtered again ([`keep_declared`]): an undeclared variable never reaches a child.
//!
//! The operator's own declarations are checked at start-up ([`check_declared`]): declaring
//! a variable that controls how programs load would hand that control to every tenant.
//! The entry's `command` and `args` come only from the settings, never from a request.

use std::collections::{BTreeMap, BTreeSet};

use ar_connect::SecretString;

use crate::error::{ApiError, ApiResult};
use crate::mcp::values::valid_env_name;
use crate::settings::McpCatalogEntry;

/// Default variable a stdio server gets a profile's connection token in.
pub const DEFAULT_CONNECTION_ENV: &str = "MCP_ACCESS_TOKEN";

/// Variables that make a program (or the interpreter or loader running it) execute other
/// code, or find its code elsewhere. Compared case-insensitively.
const CONTROL_NAMES: [&str; 17] = [
    "PATH",
    "NODE_OPTIONS",
    "NODE_PATH",
    "NODE_EXTRA_CA_CERTS",
    "PERL5OPT",
    "PERL5LIB",
    "PERLLIB",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "PS4",
    "IFS",
];

/// Prefixes of whole families of such variables (compared case-insensitively).
const CONTROL_PREFIXES: [&str; 6] = ["LD_", "DYLD_", "PYTHON", "NPM_CONFIG_", "GIT_", "GCONV_"];

/// True for a variable that controls how a program loads or what it runs.
pub fn is_control_variable(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    CONTROL_NAMES.contains(&upper.as_str()) || CONTROL_PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// The variables a profile of this stdio catalog server may set.
pub fn declared_names(entry: &McpCatalogEntry) -> BTreeSet<&str> {
    entry
        .credentials
        .iter()
        .map(String::as_str)
        .chain([entry.connection_env()])
        .collect()
}

/// Start-up check of a stdio catalog entry's declarations: valid variable names, none of
/// them a control variable. `Err` is the reason, for the settings error.
pub fn check_declared(entry: &McpCatalogEntry) -> Result<(), String> {
    for name in declared_names(entry) {
        if !valid_env_name(name) {
            return Err(format!(
                "{name:?} (in `credentials` or `connection_env`) is not a valid environment variable name"
            ));
        }
        if is_control_variable(name) {
            return Err(format!(
                "{name:?} (in `credentials` or `connection_env`) controls how programs load or run; \
                 a tenant's profile must not set it (set it in `command`/`args`, e.g. through a wrapper script)"
            ));
        }
    }
    Ok(())
}

/// Write-time check of a profile of a stdio catalog server: every name of its `env` and
/// its `connection_env` must be declared by the entry (422 naming all the others).
pub fn check_profile_env<'a>(
    entry: &McpCatalogEntry,
    env_names: impl IntoIterator<Item = &'a str>,
    connection_env: Option<&'a str>,
) -> ApiResult<()> {
    let declared = declared_names(entry);
    let refused: BTreeSet<&str> = env_names
        .into_iter()
        .chain(connection_env)
        .filter(|name| !declared.contains(name))
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    let list = |names: &BTreeSet<&str>| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(ApiError::unprocessable(format!(
        "the catalog server {:?} takes only the environment variables its operator declared ({}); refused: {}",
        entry.name,
        list(&declared),
        list(&refused)
    ))
    .with("refused_variables", serde_json::json!(refused)))
}

/// Spawn-time filter: the opened environment of a profile minus every variable the entry
/// does not declare. Returns the kept values and the names dropped (names only, for the
/// log: a dropped value is never looked at again).
pub fn keep_declared(
    entry: &McpCatalogEntry,
    env: BTreeMap<String, SecretString>,
) -> (BTreeMap<String, SecretString>, Vec<String>) {
    let declared = declared_names(entry);
    let (kept, dropped): (BTreeMap<_, _>, BTreeMap<_, _>) = env
        .into_iter()
        .partition(|(name, _)| declared.contains(name.as_str()));
    (kept, dropped.into_keys().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(credentials: &[&str], connection_env: Option<&str>) -> McpCatalogEntry {
        McpCatalogEntry {
            name: "files".into(),
            description: None,
            url: None,
            command: Some("node".into()),
            args: vec!["server.js".into()],
            auth_mode: "token".into(),
            credentials: credentials.iter().map(|c| c.to_string()).collect(),
            connection_env: connection_env.map(str::to_owned),
            auto_instance: false,
        }
    }

    #[test]
    fn a_profile_may_set_only_the_declared_variables() {
        let e = entry(&["FS_TOKEN"], Some("GITHUB_TOKEN"));
        assert!(check_profile_env(&e, ["FS_TOKEN"], Some("GITHUB_TOKEN")).is_ok());
        let err = check_profile_env(&e, ["FS_TOKEN", "NODE_OPTIONS", "LD_PRELOAD"], Some("PATH"))
            .expect_err("refused");
        assert_eq!(err.status, 422);
        for name in ["NODE_OPTIONS", "LD_PRELOAD", "PATH"] {
            assert!(err.message.contains(name), "{}", err.message);
        }
        // Without a declared connection_env, the default is the one allowed.
        let plain = entry(&["FS_TOKEN"], None);
        assert!(check_profile_env(&plain, [], Some(DEFAULT_CONNECTION_ENV)).is_ok());
        assert!(check_profile_env(&plain, [], Some("GITHUB_TOKEN")).is_err());
    }

    #[test]
    fn spawn_time_filtering_drops_what_the_store_holds_beyond_the_declaration() {
        let e = entry(&["FS_TOKEN"], None);
        let env: BTreeMap<String, SecretString> = [
            ("FS_TOKEN", "t"),
            ("NODE_OPTIONS", "--require /tmp/x.js"),
            (DEFAULT_CONNECTION_ENV, "c"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), SecretString::from(v.to_owned())))
        .collect();
        let (kept, dropped) = keep_declared(&e, env);
        assert_eq!(
            kept.keys().map(String::as_str).collect::<Vec<_>>(),
            ["FS_TOKEN", DEFAULT_CONNECTION_ENV]
        );
        assert_eq!(dropped, ["NODE_OPTIONS"]);
    }

    #[test]
    fn operators_cannot_declare_loader_or_interpreter_variables() {
        for name in [
            "LD_PRELOAD",
            "ld_library_path",
            "NODE_OPTIONS",
            "PYTHONSTARTUP",
            "PYTHONPATH",
            "PATH",
            "npm_config_script_shell",
            "DYLD_INSERT_LIBRARIES",
            "BASH_ENV",
        ] {
            let err = check_declared(&entry(&[name], None)).expect_err(name);
            assert!(err.contains(name), "{err}");
        }
        assert!(check_declared(&entry(&["FS_TOKEN"], Some("NODE_OPTIONS"))).is_err());
        assert!(check_declared(&entry(&["1BAD"], None)).is_err());
        assert!(check_declared(&entry(&["FS_TOKEN", "API_KEY"], Some("GH_TOKEN"))).is_ok());
    }
}

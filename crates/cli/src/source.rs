//! Reading what the user points the CLI at: files (bounded in size) and JSON arguments
//! given inline or as `@path`.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

use serde_json::Value;

use crate::exit::Unreadable;

/// The contents of `path`, or `Err(size)` when the file is larger than `max_bytes`
/// (reading stops there, so a huge file costs at most `max_bytes` of memory).
pub fn read_bounded(path: &Path, max_bytes: usize) -> Result<Result<Vec<u8>, u64>, Unreadable> {
    let cannot_read =
        |e: std::io::Error| Unreadable(format!("cannot read `{}`: {e}", path.display()));
    if path.is_dir() {
        return Err(Unreadable(format!(
            "cannot read `{}`: it is a directory",
            path.display()
        )));
    }
    let file = File::open(path).map_err(cannot_read)?;
    let size = file.metadata().map_err(cannot_read)?.len();
    let mut bytes = Vec::new();
    let limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() > max_bytes {
        return Ok(Err(size.max(bytes.len() as u64)));
    }
    Ok(Ok(bytes))
}

/// Largest JSON argument file (`--params @file`) accepted.
const MAX_ARGUMENT_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Parses a JSON command-line argument written inline (`'{"a":1}'`) or as `@path` to a
/// file holding it. `flag` names the option in error messages.
pub fn json_argument(flag: &str, text: &str) -> Result<Value, Unreadable> {
    let (origin, bytes) = match text.strip_prefix('@') {
        Some(path) => {
            let bytes = read_bounded(Path::new(path), MAX_ARGUMENT_FILE_BYTES)?.map_err(|size| {
                Unreadable(format!("{flag}: `{path}` is {size} bytes; the limit is {MAX_ARGUMENT_FILE_BYTES} bytes"))
            })?;
            (format!("{flag} file `{path}`"), bytes)
        }
        None => (flag.to_string(), text.as_bytes().to_vec()),
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        Unreadable(format!(
            "{origin} is not UTF-8 (first bad byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    serde_json::from_str(text).map_err(|e| {
        let hint = if origin == flag && !text.trim_start().starts_with(['{', '[', '"']) {
            " (to read a file, write @path)"
        } else {
            ""
        };
        Unreadable(format!("{origin} is not valid JSON: {e}{hint}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inline_json_arguments_are_parsed() {
        assert_eq!(
            json_argument("--params", r#"{"a": 1}"#),
            Ok(json!({"a": 1}))
        );
    }

    #[test]
    fn at_path_arguments_read_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("params.json");
        std::fs::write(&path, br#"{"trigger_payload": {"q": "rust"}}"#).expect("write");
        let arg = format!("@{}", path.display());
        assert_eq!(
            json_argument("--params", &arg),
            Ok(json!({"trigger_payload": {"q": "rust"}}))
        );
    }

    #[test]
    fn bad_json_arguments_say_which_flag_and_suggest_at_path() {
        let Err(Unreadable(message)) = json_argument("--params", "params.json") else {
            panic!("a file name is not JSON");
        };
        assert!(
            message.starts_with("--params is not valid JSON"),
            "{message}"
        );
        assert!(message.contains("write @path"), "{message}");
    }

    #[test]
    fn a_missing_argument_file_is_named() {
        let Err(Unreadable(message)) = json_argument("--params", "@/no/such/file.json") else {
            panic!("the file does not exist");
        };
        assert!(message.contains("/no/such/file.json"), "{message}");
    }

    #[test]
    fn files_over_the_limit_are_not_read_past_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.json");
        std::fs::write(&path, vec![b' '; 100]).expect("write");
        assert_eq!(read_bounded(&path, 10), Ok(Err(100)));
        assert_eq!(
            read_bounded(&path, 100).map(|r| r.map(|b| b.len())),
            Ok(Ok(100))
        );
    }
}

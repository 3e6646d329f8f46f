//! The run's input (the trigger payload) from `--input-json JSON|@file` and repeated
//! `--input key=value`.

use serde_json::{Map, Value};

use crate::exit::Unreadable;
use crate::source::json_argument;

/// Builds the trigger payload: the `--input-json` object (or `{}`), then each
/// `--input key=value` on top of it. A value that parses as JSON (`3`, `true`, `[1,2]`,
/// `"quoted"`) is taken as such; anything else is a string, so `--input q=rust` works
/// without shell-quoting JSON.
pub fn payload(input_json: Option<&str>, pairs: &[String]) -> Result<Value, Unreadable> {
    let mut payload = match input_json {
        Some(text) => json_argument("--input-json", text)?,
        None => Value::Object(Map::new()),
    };
    if pairs.is_empty() {
        return Ok(payload);
    }
    let Value::Object(map) = &mut payload else {
        return Err(Unreadable(
            "--input key=value needs --input-json to be a JSON object".into(),
        ));
    };
    for pair in pairs {
        let (key, raw) = pair.split_once('=').ok_or_else(|| {
            Unreadable(format!(
                "--input `{pair}`: expected KEY=VALUE (e.g. --input q=rust)"
            ))
        })?;
        if key.is_empty() {
            return Err(Unreadable(format!("--input `{pair}`: the key is empty")));
        }
        let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.into()));
        map.insert(key.to_string(), value);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn input_pairs_are_json_when_they_parse_and_strings_otherwise() {
        let cases: [(&[&str], Value); 5] = [
            (&["q=rust"], json!({"q": "rust"})),
            (&["n=3"], json!({"n": 3})),
            (
                &["flags=[1,2]", "ok=true"],
                json!({"flags": [1, 2], "ok": true}),
            ),
            (&["s=\"7\""], json!({"s": "7"})),
            (&["eq=a=b"], json!({"eq": "a=b"})),
        ];
        for (pairs, expected) in cases {
            let pairs: Vec<String> = pairs.iter().map(|p| p.to_string()).collect();
            assert_eq!(
                payload(None, &pairs).ok(),
                Some(expected),
                "pairs {pairs:?}"
            );
        }
    }

    #[test]
    fn input_pairs_override_the_input_json_object() {
        let got = payload(Some(r#"{"a": 1, "b": 2}"#), &["b=3".to_string()]);
        assert_eq!(got.ok(), Some(json!({"a": 1, "b": 3})));
    }

    #[test]
    fn malformed_input_pairs_are_refused_with_the_pair_named() {
        let cases = [
            (None, "novalue", "KEY=VALUE"),
            (None, "=x", "the key is empty"),
            (Some("[1]"), "a=1", "JSON object"),
        ];
        for (json, pair, needle) in cases {
            let err = payload(json, &[pair.to_string()]).expect_err(pair);
            assert!(err.0.contains(needle), "{pair}: {err}");
        }
    }
}

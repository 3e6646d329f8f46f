//! Table-driven tests of the template language. Each failing row is reported by name.

use serde_json::{Value, json};

use super::*;

/// Which scope a row renders against.
#[derive(Clone, Copy)]
enum In {
    /// Every root, as inside a for_each body that is itself inside a while body.
    Loop,
    /// Only the roots that exist outside loops: input, steps, run, connection.
    Top,
}

/// What a row expects.
enum Expect {
    /// Renders to this JSON (given as JSON text).
    Json(&'static str),
    /// Renders to this string.
    Str(&'static str),
    Omit,
    /// Render fails with TEMPLATE_UNRESOLVED whose message contains this.
    Unresolved(&'static str),
    /// Parse fails at this byte offset with a message containing this.
    Syntax(usize, &'static str),
}
use Expect::*;

fn scope(which: In) -> MapScope {
    let mut all = json!({
        "input": {
            "name": "Ada", "count": 3, "ratio": 1.5, "flag": true, "off": false,
            "nothing": null, "empty": "", "zero": 0,
            "tags": ["a", "b", "c"],
            "obj": {"k": "v", "n": 1},
            "unicode": "héllo ✓ 日本", "prénom": "Zoé",
            "nested": {"deep": {"x": [{"y": "z"}]}},
            "spaced key": "sp", "0": "zero-key"
        },
        "steps": {
            "fetch-x": {
                "result": {"id": 7, "items": [{"title": "first"}, {"title": "second"}]},
                "input": {"q": "rust"}
            },
            "a": {"result": {"id": 1, "items": []}},
            "skipped": {"result": null},
            "loop": {"item": {"sku": "A1"}}
        },
        "item": {"sku": "A1", "qty": 2},
        "index": 4,
        "foreach": {"item": {"sku": "A1"}, "index": 4},
        "body": {"summarize": {"text": "short"}},
        "while": {"iteration": 2, "prev": {"check": {"done": false}}},
        "run": {"id": "run_1", "workflow_id": "wf_1", "version": 3},
        "connection": {"token_type": "bearer"}
    });
    let Value::Object(map) = &mut all else {
        unreachable!("literal object")
    };
    if let In::Top = which {
        map.retain(|k, _| ["input", "steps", "run", "connection"].contains(&k.as_str()));
    }
    MapScope(map.clone())
}

#[rustfmt::skip]
const CASES: &[(&str, &str, In, Expect)] = &[
    // --- every scope root
    ("input field", "{{input.name}}", In::Top, Str("Ada")),
    ("steps result field", "{{steps.a.result.id}}", In::Top, Json("1")),
    ("steps input field, dashed id", "{{steps.fetch-x.input.q}}", In::Top, Str("rust")),
    ("item whole object", "{{item}}", In::Loop, Json(r#"{"sku":"A1","qty":2}"#)),
    ("item field", "{{item.sku}}", In::Loop, Str("A1")),
    ("index", "{{index}}", In::Loop, Json("4")),
    ("foreach.item field", "{{foreach.item.sku}}", In::Loop, Str("A1")),
    ("foreach.index", "{{foreach.index}}", In::Loop, Json("4")),
    ("steps.<for_each>.item alias", "{{steps.loop.item.sku}}", In::Loop, Str("A1")),
    ("body inner output", "{{body.summarize.text}}", In::Loop, Str("short")),
    ("while.iteration", "{{while.iteration}}", In::Loop, Json("2")),
    ("while.prev inner output", "{{while.prev.check.done}}", In::Loop, Json("false")),
    ("run.id", "{{run.id}}", In::Top, Str("run_1")),
    ("run.workflow_id", "{{run.workflow_id}}", In::Top, Str("wf_1")),
    ("run.version", "{{run.version}}", In::Top, Json("3")),
    ("connection field", "{{connection.token_type}}", In::Top, Str("bearer")),
    // --- indexes and keys
    ("dotted array index, dashed id", "{{steps.fetch-x.result.items.0.title}}", In::Top, Str("first")),
    ("bracket array index", "{{steps.fetch-x.result.items[1].title}}", In::Top, Str("second")),
    ("deep mixed path", "{{input.nested.deep.x[0].y}}", In::Top, Str("z")),
    ("quoted key with a space", r#"{{input["spaced key"]}}"#, In::Top, Str("sp")),
    ("bracket index on object reads the digit key", "{{input[0]}}", In::Top, Str("zero-key")),
    ("dotted digit key on object", "{{input.0}}", In::Top, Str("zero-key")),
    ("root alone is the whole scope", "{{run}}", In::Top, Json(r#"{"id":"run_1","workflow_id":"wf_1","version":3}"#)),
    // --- whole value keeps its JSON type
    ("whole array", "{{input.tags}}", In::Top, Json(r#"["a","b","c"]"#)),
    ("whole object", "{{input.obj}}", In::Top, Json(r#"{"k":"v","n":1}"#)),
    ("whole integer", "{{input.count}}", In::Top, Json("3")),
    ("whole float", "{{input.ratio}}", In::Top, Json("1.5")),
    ("whole bool", "{{input.flag}}", In::Top, Json("true")),
    ("whole existing null", "{{input.nothing}}", In::Top, Json("null")),
    ("whole existing empty string", "{{input.empty}}", In::Top, Str("")),
    // --- interpolation into text
    ("interpolate string", "Hello {{input.name}}!", In::Top, Str("Hello Ada!")),
    ("interpolate integer", "n={{input.count}}", In::Top, Str("n=3")),
    ("interpolate float", "r={{input.ratio}}", In::Top, Str("r=1.5")),
    ("interpolate bools", "{{input.flag}} and {{input.off}}", In::Top, Str("true and false")),
    ("interpolate null as nothing", "[{{input.nothing}}]", In::Top, Str("[]")),
    ("interpolate object as compact JSON", "obj: {{input.obj}}", In::Top, Str(r#"obj: {"k":"v","n":1}"#)),
    ("interpolate array as compact JSON", "tags: {{input.tags}}", In::Top, Str(r#"tags: ["a","b","c"]"#)),
    ("leading space makes it text", " {{input.count}}", In::Top, Str(" 3")),
    ("two adjacent expressions are text", "{{input.name}}{{input.count}}", In::Top, Str("Ada3")),
    // --- modifiers
    ("string literal default", r#"{{input.missing | "fallback"}}"#, In::Top, Str("fallback")),
    ("integer literal default", "{{input.missing | 42}}", In::Top, Json("42")),
    ("negative float literal default", "{{input.missing | -1.5}}", In::Top, Json("-1.5")),
    ("object literal default", r#"{{input.missing | {"a":1}}}"#, In::Top, Json(r#"{"a":1}"#)),
    ("array literal default", "{{input.missing | [1,2]}}", In::Top, Json("[1,2]")),
    ("true literal default", "{{input.missing | true}}", In::Top, Json("true")),
    ("null literal default", "{{input.missing | null}}", In::Top, Json("null")),
    ("omit when missing", "{{input.missing | omit}}", In::Top, Omit),
    ("omit alone", "{{ omit }}", In::Top, Omit),
    ("set value wins over omit", "{{input.name | omit}}", In::Top, Str("Ada")),
    ("chain of 3: missing, null, then a set path", "{{input.missing | input.nothing | steps.a.result.id}}", In::Top, Json("1")),
    ("chain of 4 ending in omit", "{{input.missing | input.empty | steps.nope.result | omit}}", In::Top, Omit),
    ("chain: first set alternative wins", r#"{{input.name | "x" | omit}}"#, In::Top, Str("Ada")),
    ("chain: literal after missing path then path", r#"{{input.missing | "" | item.sku}}"#, In::Loop, Str("A1")),
    ("literal first: later alternatives unused", r#"{{"lit" | input.name}}"#, In::Top, Str("lit")),
    // --- the unset rule
    ("null is unset", r#"{{input.nothing | "d"}}"#, In::Top, Str("d")),
    ("empty string is unset", r#"{{input.empty | "d"}}"#, In::Top, Str("d")),
    ("empty literal is unset too", r#"{{input.missing | "" | "z"}}"#, In::Top, Str("z")),
    ("zero is set", "{{input.zero | 5}}", In::Top, Json("0")),
    ("false is set", "{{input.off | true}}", In::Top, Json("false")),
    ("empty array is set", "{{steps.a.result.items | 1}}", In::Top, Json("[]")),
    ("last alternative null is the value", "{{input.missing | input.nothing}}", In::Top, Json("null")),
    ("last alternative empty string is the value", "{{input.nothing | input.empty}}", In::Top, Str("")),
    ("field of a skipped step falls back", r#"{{steps.skipped.result.x | "none"}}"#, In::Top, Str("none")),
    // --- literals with tricky characters
    ("pipe and braces inside a string literal", r#"{{input.missing | "a | b }} c"}}"#, In::Top, Str("a | b }} c")),
    ("braces inside an object literal", r#"{{input.missing | {"x":{"y":"}}"}}}}"#, In::Top, Json(r#"{"x":{"y":"}}"}}"#)),
    ("escaped quote inside a string literal", r#"{{input.missing | "say \"hi\""}}"#, In::Top, Str(r#"say "hi""#)),
    ("literal default interpolated", r#"Hi {{input.missing | "there"}}"#, In::Top, Str("Hi there")),
    ("object default interpolated", r#"x={{input.missing | {"a":1}}}"#, In::Top, Str(r#"x={"a":1}"#)),
    ("literal alone, whole value", "{{ 7 }}", In::Top, Json("7")),
    // --- whitespace
    ("no whitespace at all", r#"{{input.name|"x"}}"#, In::Top, Str("Ada")),
    ("newlines and tabs", "{{  \n\t input.name \t\n }}", In::Top, Str("Ada")),
    ("no-break spaces", "{{\u{a0}input.name\u{a0}}}", In::Top, Str("Ada")),
    ("spaces around pipes in a long chain", "{{ input.missing   |   input.nothing|  5 }}", In::Top, Json("5")),
    // --- unicode
    ("unicode text around an expression", "héllo {{input.name}} ✓", In::Top, Str("héllo Ada ✓")),
    ("unicode value", "{{input.unicode}}", In::Top, Str("héllo ✓ 日本")),
    ("unicode key", "{{input.prénom}}", In::Top, Str("Zoé")),
    ("unicode literal default", r#"{{input.missing | "日本"}}"#, In::Top, Str("日本")),
    // --- literal text and escapes
    ("plain text", "plain text", In::Top, Str("plain text")),
    ("empty template", "", In::Top, Str("")),
    ("escaped braces are literal", r"\{{not a template}}", In::Top, Str("{{not a template}}")),
    ("escape next to an expression", r"\{{x}} {{input.name}}", In::Top, Str("{{x}} Ada")),
    ("lone braces are text", "a } b { c }}", In::Top, Str("a } b { c }}")),
    // --- unresolved paths
    ("missing key lists existing keys", "{{steps.a.result.x}}", In::Top, Unresolved("steps.a.result.x is not set; steps.a.result has keys: id, items")),
    ("missing step lists step ids", "{{steps.nope.result}}", In::Top, Unresolved("steps.nope.result is not set; steps has keys: a, fetch-x, loop, skipped")),
    ("missing input key", "{{input.missing}}", In::Top, Unresolved("input.missing is not set; input has keys: 0, count,")),
    ("index out of range names the length", "{{steps.fetch-x.result.items.5}}", In::Top, Unresolved("steps.fetch-x.result.items has 2 elements (indexes 0 to 1)")),
    ("bracket index out of range", "{{input.tags[3]}}", In::Top, Unresolved("input.tags[3] is not set; input.tags has 3 elements")),
    ("index into an empty array", "{{steps.a.result.items.0}}", In::Top, Unresolved("steps.a.result.items is an empty array")),
    ("key on an array", "{{input.tags.first}}", In::Top, Unresolved("input.tags is an array of 3 elements")),
    ("field of a string", "{{input.name.first}}", In::Top, Unresolved("input.name is a string, which has no fields")),
    ("field of a null result", "{{steps.skipped.result.x}}", In::Top, Unresolved("steps.skipped.result is null")),
    ("item outside a loop", "{{item.sku}}", In::Top, Unresolved("`item` is not available here (it exists only inside a for_each body)")),
    ("index outside a loop", "{{index}}", In::Top, Unresolved("index is not set; `index` is not available here")),
    ("while outside a while body", "{{while.iteration}}", In::Top, Unresolved("only inside a while body")),
    ("body outside a loop", "{{body.x.text}}", In::Top, Unresolved("only inside a for_each or while body")),
    ("chain reports its last path", "{{input.nothing | input.other}}", In::Top, Unresolved("input.other is not set")),
    ("fallback to a missing scope", "{{input.missing | foreach.item}}", In::Top, Unresolved("foreach.item is not set; `foreach` is not available")),
    ("unresolved inside text", "Hi {{input.missing}}!", In::Top, Unresolved("input.missing is not set")),
    // --- syntax errors
    ("unclosed expression", "Hello {{input.name", In::Top, Syntax(6, "unclosed `{{`")),
    ("unclosed after a pipe", "{{input.name |", In::Top, Syntax(0, "unclosed `{{`")),
    ("unterminated string literal", r#"{{ "abc }}"#, In::Top, Syntax(3, "unterminated string literal")),
    ("object literal missing its own brace", r#"{{ input.a | {"a":1 }}"#, In::Top, Syntax(21, "expected `}}` to close the expression, found a single `}`")),
    ("mismatched brackets in a literal", r#"{{ input.a | {"a":[1 }}"#, In::Top, Syntax(13, "invalid JSON literal")),
    ("literal bracket never closed", r#"{{ {"a": "x" "#, In::Top, Syntax(3, "unterminated JSON literal")),
    ("empty expression", "{{}}", In::Top, Syntax(0, "empty expression")),
    ("blank expression", "x {{   }}", In::Top, Syntax(2, "empty expression")),
    ("nested expression after a path", "{{input.a{{input.b}}}}", In::Top, Syntax(9, "cannot be nested")),
    ("nested expression as an alternative", "{{ {{input.a}} }}", In::Top, Syntax(3, "cannot be nested")),
    ("bad number literal", "{{input.a | 12abc}}", In::Top, Syntax(12, "invalid JSON literal `12abc`")),
    ("object literal with unquoted key", "{{input.a | {a:1}}}", In::Top, Syntax(12, "invalid JSON literal `{a:1}`")),
    ("omit not last", r#"{{input.a | omit | "x"}}"#, In::Top, Syntax(12, "`omit` must be the last alternative")),
    ("omit inside text", "Hi {{input.a | omit}}", In::Top, Syntax(15, "only works when the whole field is one expression")),
    ("unknown root name", "{{inputs.a}}", In::Top, Syntax(2, "unknown name `inputs`: a path starts with one of input, steps,")),
    ("bare word", "{{hello}}", In::Top, Syntax(2, "write text as a quoted string (\"hello\")")),
    ("bad character in a path", "{{input.a@b}}", In::Top, Syntax(9, "found `@`")),
    ("trailing dot", "{{input.}}", In::Top, Syntax(8, "expected a key after `.`")),
    ("double dot", "{{input..a}}", In::Top, Syntax(8, "expected a key after `.`, found `.`")),
    ("negative index", "{{input.tags[-1]}}", In::Top, Syntax(13, "negative indexes are not supported")),
    ("unclosed bracket", "{{input.tags[0}}", In::Top, Syntax(14, "expected `]`")),
    ("index too large", "{{input.tags[99999999999999999999999]}}", In::Top, Syntax(13, "too large")),
    ("dangling pipe", "{{input.a |}}", In::Top, Syntax(11, "after `|`")),
    ("double pipe", r#"{{input.a || "x"}}"#, In::Top, Syntax(11, "found `|`")),
    ("space inside a path", "{{input .a}}", In::Top, Syntax(8, "unexpected `.`")),
    ("two literals without a pipe", r#"{{ "a" "b" }}"#, In::Top, Syntax(7, "separate alternatives with `|`")),
    ("single closing brace", "{{input.a} rest", In::Top, Syntax(9, "found a single `}`")),
];

fn check(template: &str, scope: &MapScope, expect: &Expect) -> Result<(), String> {
    let parsed = Template::parse(template);
    match (expect, parsed) {
        (Syntax(offset, needle), Err(e)) => {
            if e.offset == *offset && e.message.contains(needle) {
                Ok(())
            } else {
                Err(format!(
                    "expected syntax error at {offset} containing {needle:?}, got {e}"
                ))
            }
        }
        (Syntax(..), Ok(t)) => Err(format!("expected a syntax error, parsed {t:?}")),
        (_, Err(e)) => Err(format!("unexpected syntax error: {e}")),
        (expect, Ok(t)) => {
            let rendered = t.render(scope);
            match (expect, rendered) {
                (Json(text), Ok(Rendered::Value(v))) => {
                    let want: Value =
                        serde_json::from_str(text).map_err(|e| format!("bad expectation: {e}"))?;
                    if v == want {
                        Ok(())
                    } else {
                        Err(format!("expected {want}, got {v}"))
                    }
                }
                (Str(s), Ok(Rendered::Value(v))) => {
                    if v == *s {
                        Ok(())
                    } else {
                        Err(format!("expected string {s:?}, got {v}"))
                    }
                }
                (Omit, Ok(Rendered::Omit)) => Ok(()),
                (Unresolved(needle), Err(e)) => {
                    let message = e.to_string();
                    if e.code() == "TEMPLATE_UNRESOLVED" && message.contains(needle) {
                        Ok(())
                    } else {
                        Err(format!(
                            "expected unresolved error containing {needle:?}, got {message}"
                        ))
                    }
                }
                (_, Ok(r)) => Err(format!("unexpected render result {r:?}")),
                (_, Err(e)) => Err(format!("unexpected render error: {e}")),
            }
        }
    }
}

#[test]
fn template_table() {
    let loop_scope = scope(In::Loop);
    let top_scope = scope(In::Top);
    assert!(CASES.len() >= 60, "the table must keep at least 60 rows");
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|(what, template, which, expect)| {
            let scope = match which {
                In::Loop => &loop_scope,
                In::Top => &top_scope,
            };
            check(template, scope, expect)
                .err()
                .map(|why| format!("{what} [{template}]: {why}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

/// TemplatedValue rows: (what, value as JSON, Ok(expected JSON) or Err(message substring)).
#[rustfmt::skip]
const VALUE_CASES: &[(&str, &str, Result<&str, &str>)] = &[
    ("object entry that omits is removed",
        r#"{"q":"{{input.name}}","opt":"{{input.missing | omit}}","n":1}"#, Ok(r#"{"q":"Ada","n":1}"#)),
    ("array elements that omit are removed",
        r#"["{{input.missing | omit}}","x","{{input.count}}","{{omit}}"]"#, Ok(r#"["x",3]"#)),
    ("nested omit leaves an empty object",
        r#"{"a":{"b":["{{item.sku}}",{"c":"{{input.missing|omit}}"}]}}"#, Ok(r#"{"a":{"b":["A1",{}]}}"#)),
    ("whole-value strings keep their type",
        r#"{"tags":"{{input.tags}}","n":"{{input.count}}","o":"{{input.obj}}"}"#,
        Ok(r#"{"tags":["a","b","c"],"n":3,"o":{"k":"v","n":1}}"#)),
    ("text strings interpolate", r#"{"t":"{{input.name}} #{{index}}"}"#, Ok(r#"{"t":"Ada #4"}"#)),
    ("object keys are not templated", r#"{"{{input.name}}":"v"}"#, Ok(r#"{"{{input.name}}":"v"}"#)),
    ("escapes are removed from literal strings", r#"{"t":"\\{{x}}"}"#, Ok(r#"{"t":"{{x}}"}"#)),
    ("non-string scalars pass through", r#"{"a":1,"b":true,"c":null,"d":[1.5]}"#, Ok(r#"{"a":1,"b":true,"c":null,"d":[1.5]}"#)),
    ("top-level omit renders null", r#""{{input.missing | omit}}""#, Ok("null")),
    ("top-level template string", r#""{{steps.fetch-x.result.items}}""#, Ok(r#"[{"title":"first"},{"title":"second"}]"#)),
    ("error names the JSON path of an object field",
        r#"{"tool":{"query":"{{input.missing}}"}}"#, Err("$.tool.query: input.missing is not set; input has keys")),
    ("error names the JSON path of an array element",
        r#"{"list":["ok","{{steps.a.result.x}}"]}"#, Err("$.list[1]: steps.a.result.x is not set; steps.a.result has keys: id, items")),
    ("error path quotes odd keys", r#"{"a b":"{{input.missing}}"}"#, Err(r#"$["a b"]: input.missing"#)),
];

#[test]
fn templated_value_table() {
    let scope = scope(In::Loop);
    let failures: Vec<String> = VALUE_CASES
        .iter()
        .filter_map(|(what, source, expect)| {
            let outcome = (|| -> Result<(), String> {
                let value: Value =
                    serde_json::from_str(source).map_err(|e| format!("bad row: {e}"))?;
                let templated =
                    TemplatedValue::parse(&value).map_err(|e| format!("parse failed: {e:?}"))?;
                match (expect, templated.render(&scope)) {
                    (Ok(want), Ok(got)) => {
                        let want: Value =
                            serde_json::from_str(want).map_err(|e| format!("bad row: {e}"))?;
                        if got == want {
                            Ok(())
                        } else {
                            Err(format!("expected {want}, got {got}"))
                        }
                    }
                    (Err(needle), Err(e)) if e.to_string().contains(needle) => Ok(()),
                    (_, got) => Err(format!("unexpected {got:?}")),
                }
            })();
            outcome.err().map(|why| format!("{what}: {why}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn templated_value_parse_reports_every_bad_string_with_its_json_path() {
    let value = json!({"a": "{{", "b": ["ok", "{{nope}}"], "c": "{{input.x}}"});
    let errors = TemplatedValue::parse(&value).expect_err("two bad strings");
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["$.a", "$.b[1]"]);
    assert!(errors[1].1.message.contains("unknown name `nope`"));

    let errors = TemplatedValue::parse_at(&json!({"query": "{{}}"}), "$.steps[3].tool_args")
        .expect_err("bad");
    assert_eq!(errors[0].0, "$.steps[3].tool_args.query");
}

#[test]
fn templated_value_render_error_starts_at_the_given_base() {
    let templated =
        TemplatedValue::parse_at(&json!({"query": "{{input.q}}"}), "$.tool_args").expect("parses");
    let error = templated
        .render(&scope(In::Top))
        .expect_err("input.q is missing");
    assert_eq!(error.json_path(), Some("$.tool_args.query"));
}

#[test]
fn templated_value_is_literal_only_without_expressions() {
    let literal = TemplatedValue::parse(&json!({"a": [1, "x", {"b": r"\{{y}}"}]})).expect("parses");
    assert!(literal.is_literal());
    let templated =
        TemplatedValue::parse(&json!({"a": [1, "x", {"b": "{{input.y}}"}]})).expect("parses");
    assert!(!templated.is_literal());
}

#[test]
fn templated_value_paths_lists_every_path_in_document_order() {
    let value = json!({"a": "{{input.x | steps.s.result}}", "b": ["lit", "{{item.k}} and {{index}}"], "c": 3});
    let templated = TemplatedValue::parse(&value).expect("parses");
    let paths: Vec<String> = templated.paths().map(|p| p.to_string()).collect();
    assert_eq!(paths, ["input.x", "steps.s.result", "item.k", "index"]);
}

#[test]
fn templated_value_deeper_than_the_limit_is_an_error_not_a_crash() {
    let mut value = json!("{{input.x}}");
    for _ in 0..(MAX_DEPTH + 5) {
        value = json!([value]);
    }
    let errors = TemplatedValue::parse(&value).expect_err("too deep");
    assert!(
        errors[0].1.message.contains("nested deeper than"),
        "{:?}",
        errors[0]
    );
}

#[test]
fn paths_include_every_alternative_of_a_chain() {
    let t =
        Template::parse(r#"{{input.a | steps.s.result.a | "fallback" | omit}}"#).expect("parses");
    let paths: Vec<String> = t.paths().map(|p| p.to_string()).collect();
    assert_eq!(paths, ["input.a", "steps.s.result.a"]);

    let t = Template::parse("x {{input.a}} y {{body.b.c | while.iteration}}").expect("parses");
    let paths: Vec<String> = t.paths().map(|p| p.to_string()).collect();
    assert_eq!(paths, ["input.a", "body.b.c", "while.iteration"]);

    assert_eq!(
        Template::parse("no paths").expect("parses").paths().count(),
        0
    );
}

#[test]
fn path_structure_and_step_id() {
    let t = Template::parse(r#"{{steps.fetch-x.result.items[2].0["a b"]}}"#).expect("parses");
    let path = t.paths().next().expect("one path");
    assert_eq!(path.root, "steps");
    assert_eq!(
        path.segments,
        [
            Segment::Key("fetch-x".into()),
            Segment::Key("result".into()),
            Segment::Key("items".into()),
            Segment::Index(2),
            Segment::Key("0".into()),
            Segment::Key("a b".into()),
        ]
    );
    assert_eq!(path.step_id(), Some("fetch-x"));
    assert_eq!(
        Template::parse("{{input.a}}")
            .expect("parses")
            .paths()
            .next()
            .and_then(|p| p.step_id()),
        None
    );
}

#[test]
fn displayed_path_parses_back_to_the_same_path() {
    for source in [
        "input",
        "steps.fetch-x.result.items.0.title",
        r#"input["a b"][3].c"#,
        r#"run["x\"y"]"#,
    ] {
        let first = Template::parse(&format!("{{{{{source}}}}}")).expect("parses");
        let path = first.paths().next().expect("one path").clone();
        assert_eq!(path.to_string(), source, "display of {source}");
        let again = Template::parse(&format!("{{{{{path}}}}}")).expect("reparses");
        assert_eq!(again.paths().next(), Some(&path), "round trip of {source}");
    }
}

#[test]
fn is_literal_and_is_whole_value_follow_the_shape() {
    let rows = [
        ("text only", "plain", true, false),
        ("empty", "", true, false),
        ("escaped braces", r"\{{x}}", true, false),
        ("one expression", "{{input.a}}", false, true),
        ("expression with text", "a {{input.a}}", false, false),
        (
            "expression with trailing space",
            "{{input.a}} ",
            false,
            false,
        ),
    ];
    for (what, src, literal, whole) in rows {
        let t = Template::parse(src).expect("parses");
        assert_eq!(
            (t.is_literal(), t.is_whole_value()),
            (literal, whole),
            "{what}"
        );
    }
}

#[test]
fn unresolved_error_carries_structured_fields() {
    let t = Template::parse("{{steps.a.result.x}}").expect("parses");
    let error = t.render(&scope(In::Top)).expect_err("x is missing");
    assert_eq!(error.code(), "TEMPLATE_UNRESOLVED");
    let TemplateError::Unresolved {
        path,
        reached,
        existing_keys,
        reason,
        json_path,
    } = error;
    assert_eq!(path, "steps.a.result.x");
    assert_eq!(reached, "steps.a.result");
    assert_eq!(existing_keys, ["id", "items"]);
    assert_eq!(reason, UnresolvedReason::MissingKey);
    assert_eq!(json_path, None);
}

#[test]
fn long_key_lists_are_shortened_in_the_message() {
    let keys: serde_json::Map<String, Value> =
        (0..25).map(|i| (format!("k{i:02}"), json!(i))).collect();
    let scope = MapScope(
        [("input".to_string(), Value::Object(keys))]
            .into_iter()
            .collect(),
    );
    let error = Template::parse("{{input.nope}}")
        .expect("parses")
        .render(&scope)
        .expect_err("missing");
    let message = error.to_string();
    assert!(message.contains("k00, k01"), "{message}");
    assert!(message.ends_with("k19 and 5 more"), "{message}");
    let TemplateError::Unresolved { existing_keys, .. } = error;
    assert_eq!(existing_keys.len(), 25);
}

#[test]
fn resolve_returns_the_raw_value_or_the_unresolved_error() {
    let scope = scope(In::Top);
    let t = Template::parse("{{input.nothing}} {{input.tags.9}}").expect("parses");
    let mut paths = t.paths();
    assert_eq!(
        paths.next().map(|p| p.resolve(&scope)),
        Some(Ok(&Value::Null))
    );
    let error = paths
        .next()
        .map(|p| p.resolve(&scope))
        .expect("second path")
        .expect_err("out of range");
    assert!(
        error.to_string().contains("input.tags has 3 elements"),
        "{error}"
    );
}

#[test]
fn render_text_converts_values_by_the_interpolation_rules() {
    let scope = scope(In::Top);
    let rows = [
        ("{{input.obj}}", r#"{"k":"v","n":1}"#),
        ("{{input.count}}", "3"),
        ("{{input.nothing}}", ""),
        ("{{input.missing | omit}}", ""),
        ("{{input.name}}", "Ada"),
        ("a{{input.flag}}", "atrue"),
    ];
    for (src, want) in rows {
        let t = Template::parse(src).expect("parses");
        assert_eq!(t.render_text(&scope).as_deref(), Ok(want), "{src}");
    }
}

#[test]
fn truthiness_table() {
    let rows = [
        (json!(false), false),
        (json!(null), false),
        (json!(""), false),
        (json!(0), false),
        (json!(0.0), false),
        (json!(-0.0), false),
        (json!("false"), false),
        (json!(true), true),
        (json!(1), true),
        (json!(-0.5), true),
        (json!("0"), true),
        (json!("False"), true),
        (json!("no"), true),
        (json!(" "), true),
        (json!([]), true),
        (json!({}), true),
    ];
    for (value, truthy) in rows {
        assert_eq!(is_truthy(&value), truthy, "is_truthy({value})");
    }
}

#[test]
fn megabyte_template_with_many_expressions_renders_correctly() {
    let scope = scope(In::Top);
    let chunk = "some filler text, ";
    let mut src = String::new();
    let mut want = String::new();
    for i in 0..50_000 {
        src.push_str(chunk);
        want.push_str(chunk);
        if i % 2 == 0 {
            src.push_str("{{ input.name }}");
            want.push_str("Ada");
        } else {
            src.push_str(r#"{{input.missing | "d"}}"#);
            want.push('d');
        }
    }
    assert!(src.len() > 1_000_000);
    let t = Template::parse(&src).expect("parses");
    assert_eq!(t.paths().count(), 50_000);
    assert_eq!(t.render(&scope), Ok(Rendered::Value(Value::String(want))));
}

#[test]
fn huge_unterminated_literal_is_a_syntax_error_at_its_start() {
    let src = format!("x {{{{ \"{}", "a".repeat(2_000_000));
    let error = Template::parse(&src).expect_err("unterminated");
    assert_eq!(error.offset, 5);
    assert!(error.message.contains("unterminated string literal"));
}

#[test]
fn deeply_nested_literal_is_an_error_not_a_stack_overflow() {
    let depth = 100_000;
    let src = format!(
        "{{{{ input.a | {}{} }}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let error = Template::parse(&src).expect_err("too deep for serde_json");
    assert!(
        error.message.contains("invalid JSON literal"),
        "{}",
        error.message
    );
}

#[test]
fn many_unclosed_openings_fail_at_the_first() {
    let src = "{{".repeat(500_000);
    let error = Template::parse(&src).expect_err("nested");
    assert_eq!(error.offset, 2);
    assert!(error.message.contains("cannot be nested"));
}

//! Every key of the config file that ssosetup does not know, at once, each
//! with the key it most likely meant. serde stops at the first unknown key
//! and lists every field of its table; a person wants "line 12:
//! `sesion_duration`: did you mean `session_duration`?", for all of them.
//! The known keys come from the types themselves (their JSON Schema, which
//! also ships as docs/config.schema.json for editors), so this list cannot
//! drift from what the parser accepts.

use serde_json::Value as Json;

use super::Config;

/// The JSON Schema of the config file, as the types say.
pub(crate) fn schema() -> Json {
    serde_json::to_value(schemars::schema_for!(Config)).expect("a schema serializes")
}

/// docs/config.schema.json: the schema, pretty.
#[cfg(test)]
pub(crate) fn schema_text() -> String {
    serde_json::to_string_pretty(&schema()).expect("a schema serializes") + "\n"
}

/// The keys of `text` (TOML) that no table of the config has, as
/// "path: did you mean ...?" lines. Empty when the text is not TOML (the
/// parser says why) or every key is known.
pub(crate) fn unknown_keys(text: &str) -> Vec<String> {
    let Ok(value) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let root = schema();
    let mut out = Vec::new();
    walk(&root, &root, &toml::Value::Table(value), "", &mut out);
    out.into_iter()
        .map(|(key, line)| match line_of(text, &key) {
            Some(n) => format!("line {n}: {line}"),
            None => line,
        })
        .collect()
}

/// The line `key = ...` is on, when exactly one line sets a key of that
/// name (the same name in two tables is left without a line). Pure.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix(key)
                .or_else(|| l.strip_prefix(&format!("\"{key}\"")));
            rest.is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|(i, _)| i + 1)
        .collect();
    match lines.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The object or array schema `node` stands for (through `$ref`, and the
/// non-null choice of an optional value).
fn resolve<'a>(root: &'a Json, node: &'a Json, want_table: bool) -> Option<&'a Json> {
    if let Some(r) = node.get("$ref").and_then(Json::as_str) {
        let name = r.rsplit('/').next()?;
        return resolve(root, root.get("$defs")?.get(name)?, want_table);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(options) = node.get(key).and_then(Json::as_array) {
            return options
                .iter()
                .filter_map(|o| resolve(root, o, want_table))
                .next();
        }
    }
    let fits = if want_table {
        node.get("properties").is_some()
    } else {
        node.get("items").is_some()
    };
    fits.then_some(node)
}

/// Collects (key, what to say) for every unknown key under `value`.
fn walk(
    root: &Json,
    node: &Json,
    value: &toml::Value,
    path: &str,
    out: &mut Vec<(String, String)>,
) {
    match value {
        toml::Value::Table(table) => {
            let Some(props) = resolve(root, node, true)
                .and_then(|n| n.get("properties"))
                .and_then(Json::as_object)
            else {
                return;
            };
            for (key, v) in table {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match props.get(key) {
                    Some(schema) => walk(root, schema, v, &at, out),
                    None => out.push((key.clone(), unknown(&at, key, props.keys()))),
                }
            }
        }
        toml::Value::Array(items) => {
            let Some(item) = resolve(root, node, false).and_then(|n| n.get("items")) else {
                return;
            };
            for (i, v) in items.iter().enumerate() {
                walk(root, item, v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// "cli.sesion_name is not a key ssosetup knows; did you mean session_name?"
fn unknown<'a>(at: &str, key: &str, known: impl Iterator<Item = &'a String>) -> String {
    let known: Vec<&String> = known.collect();
    let closest = known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min();
    match closest {
        Some((_, k)) => format!("{at} is not a key ssosetup knows; did you mean {k}?"),
        None => format!(
            "{at} is not a key ssosetup knows here (the keys are: {})",
            known
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unknown_key_is_named_with_the_likely_one() {
        let text = "regoin = \"us-east-1\"\n[[permission_sets]]\nname = \"A\"\nsesion_duration = \"PT2H\"\n[cli]\nsession_name = \"s\"\nstrat_url = \"x\"\n[cleanup]\nwhatever = 1\n";
        let found = unknown_keys(text);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("line 1: regoin") && f.ends_with("did you mean region?")),
            "{found:#?}"
        );
        assert!(
            found.iter().any(
                |f| f.starts_with("line 4: permission_sets[0].sesion_duration")
                    && f.ends_with("did you mean session_duration?")
            ),
            "{found:#?}"
        );
        assert!(
            found.iter().any(|f| f.starts_with("line 7: cli.strat_url")
                && f.ends_with("did you mean start_url?")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("line 9: cleanup.whatever") && f.contains("the keys are: ")),
            "{found:#?}"
        );
        assert!(unknown_keys("[[users]]\nuser_name = \"a\"\n").is_empty());
        assert!(unknown_keys("not toml [").is_empty());
    }

    /// docs/config.schema.json is what the types say; refresh it with
    /// `SSOSETUP_WRITE_SCHEMA=1 cargo test config_schema`.
    #[test]
    fn config_schema_in_docs_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/config.schema.json");
        let schema = schema_text();
        if std::env::var_os("SSOSETUP_WRITE_SCHEMA").is_some() {
            std::fs::write(&path, &schema).unwrap();
        }
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            shipped == schema,
            "docs/config.schema.json is out of date: run `SSOSETUP_WRITE_SCHEMA=1 cargo test config_schema`"
        );
    }
}

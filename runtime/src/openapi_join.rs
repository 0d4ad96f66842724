//! The one join of OpenAPI fragments into a document: what a server serves at `/openapi.json`
//! (`rest::Registry`, from the fragments of the services it mounts) and what
//! `rosetta generate --target openapi` writes (the compiler calls this same function with the
//! fragments of every service of a compilation), so the two cannot drift apart.
//!
//! Feature-free and dependency-free on purpose: the compiler (and so every build script that runs
//! the `Builder`) calls it without pulling the REST server's dependencies. Its only JSON work is
//! quoting strings ([`push_json_str`]); every other piece arrives as JSON text.
//!
//! The rules: the title is the distinct APIs (packages) joined by `, ` (`API` when there are
//! none), the version the distinct version segments (`unversioned`), the description the
//! distinct package docs; one tag per fragment in order; operations grouped by path in
//! first-seen order; every schema once, sorted by name.

use std::collections::{BTreeMap, HashMap};

/// One service's share of the document, every piece already JSON text (or plain text for the
/// `info` members).
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    /// The API name: the service's package, or the service's name without one.
    pub api: &'a str,
    /// The package's version segment (`v1`), or empty.
    pub version: &'a str,
    /// The package's docs, or empty.
    pub description: &'a str,
    /// The service's tag object, as JSON.
    pub tag: &'a str,
    /// `(path, lower-case method, operation object as JSON)`, in IDL order.
    pub operations: &'a [(&'a str, &'a str, &'a str)],
}

/// Joins `parts` and the component `schemas` (`(name, schema as JSON)`; a name given twice is
/// kept once, the first wins) into one compact OpenAPI 3.1 document. MUST be deterministic, and
/// linear in its input: paths are grouped through an index.
pub fn join<'a>(
    parts: &[Part<'a>],
    schemas: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut sorted: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, json) in schemas {
        sorted.entry(name).or_insert(json);
    }
    // The document's size, nearly: reserved once, so a document of tens of megabytes is not
    // copied into a buffer twice its size a dozen times over (and faulted in afresh each time).
    let fragments: usize = parts
        .iter()
        .map(|f| {
            f.api.len()
                + f.version.len()
                + f.description.len()
                + f.tag.len()
                + 1
                + f.operations
                    .iter()
                    .map(|(path, method, op)| path.len() + method.len() + op.len() + 8)
                    .sum::<usize>()
        })
        .sum();
    let components: usize = sorted.iter().map(|(n, j)| n.len() + j.len() + 4).sum();
    let mut out = String::with_capacity(256 + fragments + components);
    out.push_str(r#"{"openapi":"3.1.0","info":{"title":"#);
    let apis = distinct(parts.iter().map(|f| f.api));
    push_json_str(
        &mut out,
        &if apis.is_empty() {
            "API".to_string()
        } else {
            apis.join(", ")
        },
    );
    out.push_str(r#","version":"#);
    let versions = distinct(parts.iter().map(|f| f.version));
    push_json_str(
        &mut out,
        &if versions.is_empty() {
            "unversioned".to_string()
        } else {
            versions.join(", ")
        },
    );
    let descriptions = distinct(parts.iter().map(|f| f.description));
    if !descriptions.is_empty() {
        out.push_str(r#","description":"#);
        push_json_str(&mut out, &descriptions.join("\n\n"));
    }
    out.push_str(r#"},"tags":["#);
    for (i, f) in parts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(f.tag);
    }
    out.push_str(r#"],"paths":{"#);
    // Group operations by path, in first-seen order (a path's methods may come from several
    // services). A method given twice for one path keeps its first operation.
    let mut paths: Vec<(&str, Vec<(&str, &str)>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for f in parts {
        for &(path, method, op) in f.operations {
            let at = *index.entry(path).or_insert_with(|| {
                paths.push((path, Vec::new()));
                paths.len() - 1
            });
            if !paths[at].1.iter().any(|(m, _)| *m == method) {
                paths[at].1.push((method, op));
            }
        }
    }
    for (i, (path, ops)) in paths.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(&mut out, path);
        out.push_str(":{");
        for (j, (method, op)) in ops.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_json_str(&mut out, method);
            out.push(':');
            out.push_str(op);
        }
        out.push('}');
    }
    out.push_str(r#"},"components":{"schemas":{"#);
    for (i, (name, schema)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(&mut out, name);
        out.push(':');
        out.push_str(schema);
    }
    out.push_str("}}}");
    out
}

/// The non-empty values, first occurrence first.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for v in values {
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Appends `s` as a JSON string literal, escaped as serde_json escapes it (`"`, `\`, and the
/// control characters; the short forms where JSON has them). Written here rather than calling
/// serde_json, which this feature-free module does not depend on.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    // Runs of bytes that need no escape are copied whole, each byte judged by one table load;
    // every byte escaped is ASCII, so each run ends on a character boundary.
    let mut run = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let escape = ESCAPE[usize::from(b)];
        if escape == 0 {
            continue;
        }
        out.push_str(&s[run..i]);
        run = i + 1;
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push('\\');
            out.push(char::from(escape));
        }
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// For each byte, what follows the `\` that escapes it in a JSON string (`u` for the
/// `\u00XX` form), or 0 for a byte written as it is.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x0c] = b'f';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_as_serde_json_quotes_them() {
        let all: String = (0u32..0x80)
            .filter_map(char::from_u32)
            .chain("é€😀\u{2028}".chars())
            .collect();
        let mut out = String::new();
        push_json_str(&mut out, &all);
        assert_eq!(out, serde_json::to_string(&all).unwrap());
    }

    #[test]
    fn parts_join_by_the_rules() {
        let a = Part {
            api: "shop.v1",
            version: "v1",
            description: "The shop.",
            tag: r#"{"name":"A"}"#,
            operations: &[("/x", "get", "1"), ("/y", "post", "2")],
        };
        let b = Part {
            api: "other",
            version: "",
            description: "The shop.",
            tag: r#"{"name":"B"}"#,
            operations: &[("/x", "delete", "3")],
        };
        let doc = join(&[a, b], [("z", "true"), ("a", "{}"), ("z", "false")]);
        let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({
                "openapi": "3.1.0",
                "info": {"title": "shop.v1, other", "version": "v1", "description": "The shop."},
                "tags": [{"name": "A"}, {"name": "B"}],
                "paths": {"/x": {"get": 1, "delete": 3}, "/y": {"post": 2}},
                "components": {"schemas": {"a": {}, "z": true}}
            })
        );
        let empty: serde_json::Value = serde_json::from_str(&join(&[], [])).unwrap();
        assert_eq!(empty["info"]["title"], "API");
        assert_eq!(empty["info"]["version"], "unversioned");
    }
}

//! Case conversion of IDL names: heck's rules (its word boundaries and case mapping, so every
//! generated name is what heck gives), written out for ASCII names.
//!
//! Why not heck directly: it maps case one character at a time through `fmt` (`write!` of
//! `char::to_lowercase`), 4,000 instructions for a short name; the compiler converts tens of
//! thousands of names on a large API (JSON schema member names, XML-RPC method names, proto enum
//! value names), which was 5% of `generate --target rust` on the 2,000-type benchmark API
//! (issue 17). IDL names are ASCII identifiers; any other text still goes through heck.

use heck::{ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// `snake_case`, as heck's `to_snake_case`.
pub(crate) fn snake(s: &str) -> String {
    if !s.is_ascii() {
        return s.to_snake_case();
    }
    join(s, "_", |out, word, _| lower(out, word))
}

/// `SHOUTY_SNAKE_CASE`, as heck's `to_shouty_snake_case`.
pub(crate) fn shouty_snake(s: &str) -> String {
    if !s.is_ascii() {
        return s.to_shouty_snake_case();
    }
    join(s, "_", |out, word, _| {
        out.extend(word.bytes().map(|b| char::from(b.to_ascii_uppercase())))
    })
}

/// `UpperCamelCase`, as heck's `to_upper_camel_case`.
pub(crate) fn upper_camel(s: &str) -> String {
    if !s.is_ascii() {
        return s.to_upper_camel_case();
    }
    join(s, "", |out, word, _| capitalize(out, word))
}

/// `lowerCamelCase`, as heck's `to_lower_camel_case`.
pub(crate) fn lower_camel(s: &str) -> String {
    if !s.is_ascii() {
        return s.to_lower_camel_case();
    }
    join(s, "", |out, word, first| {
        if first {
            lower(out, word)
        } else {
            capitalize(out, word)
        }
    })
}

fn lower(out: &mut String, word: &str) {
    out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
}

fn capitalize(out: &mut String, word: &str) {
    let mut bytes = word.bytes();
    if let Some(first) = bytes.next() {
        out.push(char::from(first.to_ascii_uppercase()));
        out.extend(bytes.map(|b| char::from(b.to_ascii_lowercase())));
    }
}

/// The words of ASCII `s`, each written by `word(out, word, is_first)` with `boundary` between
/// them: heck's `transform`. Words are split at every character that is not alphanumeric, and
/// inside a run of alphanumerics before an uppercase letter that follows a lowercase one
/// (`fooBar`) and before the last of several uppercase letters when a lowercase one follows
/// (`HTTPRequest`: `HTTP`, `Request`); digits take the case of what precedes them.
fn join(s: &str, boundary: &str, mut word: impl FnMut(&mut String, &str, bool)) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Boundary,
        Lower,
        Upper,
    }
    let mut out = String::with_capacity(s.len() + 4);
    let mut first = true;
    let mut emit = |out: &mut String, w: &str| {
        if !first {
            out.push_str(boundary);
        }
        word(out, w, first);
        first = false;
    };
    for part in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let bytes = part.as_bytes();
        let mut init = 0;
        let mut mode = Mode::Boundary;
        for i in 0..bytes.len() {
            let c = bytes[i];
            let Some(&next) = bytes.get(i + 1) else {
                emit(&mut out, &part[init..]);
                break;
            };
            let next_mode = if c.is_ascii_lowercase() {
                Mode::Lower
            } else if c.is_ascii_uppercase() {
                Mode::Upper
            } else {
                mode
            };
            if next_mode == Mode::Lower && next.is_ascii_uppercase() {
                emit(&mut out, &part[init..i + 1]);
                init = i + 1;
                mode = Mode::Boundary;
            } else if mode == Mode::Upper && c.is_ascii_uppercase() && next.is_ascii_lowercase() {
                emit(&mut out, &part[init..i]);
                init = i;
                mode = Mode::Boundary;
            } else {
                mode = next_mode;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every conversion agrees with heck on names of every shape: generated from an alphabet
    /// of the characters that decide boundaries, all strings up to five long, and more.
    #[test]
    fn every_conversion_is_hecks() {
        let alphabet = ['a', 'b', 'A', 'B', '1', '_', '-', '.', ' '];
        let mut names: Vec<String> = vec![String::new()];
        let mut frontier = names.clone();
        for _ in 0..5 {
            let mut next = Vec::new();
            for n in &frontier {
                for c in alphabet {
                    next.push(format!("{n}{c}"));
                }
            }
            names.extend(next.iter().cloned());
            frontier = next;
        }
        names.extend(
            [
                "HTTPRequest",
                "getHTTPResponseCode",
                "XMLHttpRequest",
                "shop.product-events",
                "GetProduct",
                "ACTIVE",
                "in_stores",
                "2fa",
                "A1B2c3",
                "v1Beta2",
                "__x__",
                "héllo",
                "ΣΑΣ",
            ]
            .map(String::from),
        );
        for n in &names {
            assert_eq!(snake(n), n.to_snake_case(), "snake {n:?}");
            assert_eq!(shouty_snake(n), n.to_shouty_snake_case(), "shouty {n:?}");
            assert_eq!(upper_camel(n), n.to_upper_camel_case(), "upper camel {n:?}");
            assert_eq!(lower_camel(n), n.to_lower_camel_case(), "lower camel {n:?}");
        }
    }
}

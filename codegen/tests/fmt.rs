//! `rosetta fmt` on every example: already canonical, idempotent, keeps every comment, and keeps
//! the meaning (the formatted file compiles to the same model).

use std::path::{Path, PathBuf};

use rosetta_codegen::driver::{MemoryFs, Options, compile_with};
use rosetta_codegen::fmt::format_source;

fn idl_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "idl"));
    v.sort();
    v
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../idl-examples")
}

fn comments(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.find("//").map(|i| l[i..].trim().to_string()))
        .collect()
}

#[test]
fn examples_are_formatted_and_formatting_is_idempotent() {
    let files = idl_files(&examples());
    assert!(files.len() >= 3, "examples missing: {files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let once = format_source(&path.display().to_string(), &text).unwrap();
        assert_eq!(
            once,
            text,
            "{} is not canonically formatted",
            path.display()
        );
        let twice = format_source("again", &once).unwrap();
        assert_eq!(once, twice, "not idempotent on {}", path.display());
    }
}

#[test]
fn formatting_keeps_comments_and_meaning_of_every_parsable_file() {
    let mut files = idl_files(&examples());
    files.extend(idl_files(&examples().join("invalid")));
    let mut checked = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Squash the layout first, so the formatter has real work to do.
        let squashed: String = text
            .lines()
            .map(|l| {
                if l.contains("//") {
                    format!("{l}\n")
                } else {
                    format!("{} ", l.trim())
                }
            })
            .collect();
        let Ok(formatted) = format_source("x.idl", &squashed) else {
            continue;
        };
        assert_eq!(
            format_source("x.idl", &formatted).unwrap(),
            formatted,
            "not idempotent on squashed {}",
            path.display()
        );
        let mut before = comments(&text);
        let mut after = comments(&formatted);
        before.sort();
        after.sort();
        assert_eq!(before, after, "comments changed in {}", path.display());

        // Same meaning: compile original and formatted side by side (imports resolved beside them).
        let dir = path.parent().unwrap();
        let compile = |body: &str| {
            let mut fs = MemoryFs::new();
            for other in idl_files(dir) {
                fs.insert(other.file_name().unwrap(), std::fs::read(&other).unwrap());
            }
            fs.insert("main.idl", body.as_bytes().to_vec());
            let c = compile_with(&fs, &[PathBuf::from("main.idl")], &Options::default());
            (
                c.ir,
                c.diagnostics
                    .sorted()
                    .iter()
                    .map(|d| d.code)
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            compile(&text),
            compile(&formatted),
            "meaning changed in {}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 3);
}

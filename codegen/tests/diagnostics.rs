//! Golden tests of the front end: the rendered diagnostics of every `idl-examples/invalid/*.idl`
//! and the checked model (IR) of every valid `idl-examples/*.idl`, as insta snapshots.
//!
//! Each invalid file opens with a `//` line naming the codes it expects; the tests hold the
//! compiler to that line, and hold the corpus to covering every code in [`CODES`], so a new check
//! without an invalid file fails here. Files are compiled through the real driver from the real
//! file system; absolute paths are cut down to workspace-relative ones so the snapshots are the
//! same on every machine.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rosetta_codegen::check::CODES;
use rosetta_codegen::diagnostics::{Diagnostics, Severity, render};
use rosetta_codegen::{Compilation, Options, compile};

/// The workspace root, canonical (insta's `glob!` hands out canonical paths).
fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen/ sits in the workspace root");
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

/// `text` with the workspace root cut out of every path, so `--> idl-examples/...` is stable.
fn relative(text: &str) -> String {
    let prefix = format!(
        "{}{}",
        workspace_root().display(),
        std::path::MAIN_SEPARATOR
    );
    text.replace(&prefix, "")
}

/// The top-level invalid files, sorted (helpers in `invalid/support/` are imported, not checked).
fn invalid_paths() -> Vec<PathBuf> {
    let dir = workspace_root().join("idl-examples/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "idl"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 45,
        "expected at least 45 invalid files, found {}",
        files.len()
    );
    files
}

fn compile_one(path: &Path) -> Compilation {
    compile(&[path.to_path_buf()], &Options::default())
}

/// The diagnostic codes a compilation produced.
fn codes(c: &Compilation) -> BTreeSet<&'static str> {
    c.diagnostics.sorted().iter().map(|d| d.code).collect()
}

/// The codes (`E0102`, `W0001`) named on a file's first line, which must be a `//` comment.
fn expected_codes(path: &Path) -> BTreeSet<String> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    assert!(
        first.starts_with("// "),
        "{}: the first line must be a `//` comment saying what the file breaks",
        path.display()
    );
    let is_code = |w: &&str| {
        w.len() == 5
            && (w.starts_with('E') || w.starts_with('W'))
            && w[1..].bytes().all(|b| b.is_ascii_digit())
    };
    first
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(is_code)
        .map(str::to_string)
        .collect()
}

/// Every diagnostic names its code and, when it has a span, `--> FILE:LINE:COL`; and every code
/// is one of the stable [`CODES`].
fn assert_well_formed(path: &Path, c: &Compilation) {
    for d in c.diagnostics.sorted() {
        assert!(
            CODES.iter().any(|(code, _)| *code == d.code),
            "{}: `{}` is not in CODES",
            path.display(),
            d.code
        );
        let mut one = Diagnostics::default();
        one.push(d.clone());
        let text = render(&c.program.sources, &one);
        let head = match d.severity {
            Severity::Error => format!("error[{}]: ", d.code),
            Severity::Warning => format!("warning[{}]: ", d.code),
        };
        assert!(
            text.starts_with(&head),
            "{}: rendered diagnostic does not start with `{head}`:\n{text}",
            path.display()
        );
        if let Some(span) = d.span {
            let name = &c.program.sources.get(span.file).name;
            let (line, col) = c.program.sources.line_col(span.file, span.start);
            let at = format!("--> {name}:{line}:{col}");
            assert!(
                text.contains(&at),
                "{}: rendered diagnostic does not point at `{at}`:\n{text}",
                path.display()
            );
        }
    }
}

#[test]
fn invalid_file_diagnostics() {
    insta::glob!("../../idl-examples/invalid", "*.idl", |path| {
        let c = compile_one(path);
        assert!(
            c.diagnostics.has_errors(),
            "{} compiled without errors",
            path.display()
        );
        assert!(c.ir.is_none(), "{}: an IR despite errors", path.display());
        assert_well_formed(path, &c);
        insta::assert_snapshot!(relative(&c.render_diagnostics()));
    });
}

#[test]
fn invalid_files_report_the_codes_their_first_line_names() {
    let mut failures = Vec::new();
    for path in invalid_paths() {
        let expected = expected_codes(&path);
        if expected.is_empty() {
            failures.push(format!("{}: the first line names no code", path.display()));
            continue;
        }
        let got = codes(&compile_one(&path));
        for code in &expected {
            if !got.contains(code.as_str()) {
                failures.push(format!("{}: expected {code}, got {got:?}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_code_is_produced_by_an_invalid_file() {
    let mut produced = BTreeSet::new();
    for path in invalid_paths() {
        produced.extend(codes(&compile_one(&path)));
    }
    let missing: Vec<String> = CODES
        .iter()
        .filter(|(code, _)| !produced.contains(code))
        .map(|(code, what)| format!("{code} ({what})"))
        .collect();
    assert!(
        missing.is_empty(),
        "no file in idl-examples/invalid/ produces: {}",
        missing.join(", ")
    );
}

#[test]
fn every_import_helper_is_valid_on_its_own() {
    let dir = workspace_root().join("idl-examples/invalid/support");
    for entry in std::fs::read_dir(&dir).expect("invalid/support exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|x| x == "idl") {
            let c = compile_one(&path);
            assert!(
                c.diagnostics.is_empty(),
                "{}:\n{}",
                path.display(),
                c.render_diagnostics()
            );
        }
    }
}

#[test]
fn valid_example_ir() {
    insta::glob!("../../idl-examples", "*.idl", |path| {
        let c = compile_one(path);
        assert!(
            !c.diagnostics.has_errors(),
            "{}:\n{}",
            path.display(),
            relative(&c.render_diagnostics())
        );
        let mut ir = c.ir.expect("an IR when there is no error");
        for f in &mut ir.files {
            f.name = relative(&f.name);
        }
        insta::assert_yaml_snapshot!(ir);
    });
}

/// The diagnostics of `text` compiled alone, rendered.
fn rendered(text: &str) -> (Compilation, String) {
    let c = rosetta_codegen::compile_str("long.idl", text);
    let out = c.render_diagnostics();
    (c, out)
}

/// Issue 16's input: one line holding `@length(1, 2)` `n` times on one field.
fn repeated_annotation(n: usize) -> String {
    format!(
        "struct A {{ a: string = 1 {}; }}",
        "@length(1, 2) ".repeat(n)
    )
}

/// `n` fields that all take number 1, on one line.
fn duplicate_numbers(n: usize) -> String {
    let fields: String = (0..n).map(|i| format!("f{i}: i32 = 1; ")).collect();
    format!("struct A {{ {fields}}}")
}

/// Many diagnostics on one long line: each shows the line clipped around its own span, and one
/// code repeated past `MAX_PER_CODE` ends in a count, so the output grows no faster than the
/// input (it was quadratic: 1,000 annotations printed 28 MB). Sizes, not times, are compared.
#[test]
fn diagnostics_on_one_long_line_grow_linearly() {
    use rosetta_codegen::diagnostics::MAX_PER_CODE;
    for (what, make) in [
        (
            "repeated annotations",
            repeated_annotation as fn(usize) -> String,
        ),
        ("duplicate field numbers", duplicate_numbers),
    ] {
        let mut sizes = Vec::new();
        for n in [100, 1000] {
            let (c, out) = rendered(&make(n));
            let all = c.diagnostics.sorted();
            let code = all.first().map(|d| d.code).expect("diagnostics");
            // Every repeat after the first is reported, and all of them with one code.
            assert_eq!(all.len(), n - 1, "{what}: {out}");
            assert!(all.iter().all(|d| d.code == code), "{what}: {out}");
            assert_eq!(out.matches(&format!("error[{code}]")).count(), MAX_PER_CODE);
            assert!(
                out.contains(&format!(
                    "note: and {} more errors [{code}]",
                    n - 1 - MAX_PER_CODE
                )),
                "{what}: {out}"
            );
            let longest = out.lines().map(str::len).max().unwrap_or(0);
            assert!(longest < 400, "{what}: a {longest}-byte line was printed");
            sizes.push(out.len());
        }
        // Ten times the input, (almost) the same output: at most MAX_PER_CODE diagnostics of
        // bounded size, plus a count.
        assert!(
            sizes[1] * 10 < sizes[0] * 12,
            "{what}: output grew from {} to {} bytes",
            sizes[0],
            sizes[1]
        );
    }
}

/// A clipped line keeps its real line and column in the `-->` header, and the text at the caret.
#[test]
fn clipped_lines_keep_real_positions() {
    let fields: String = (1..=30).map(|i| format!("y{i}: i32 = {i}; ")).collect();
    let src = format!("// one long line follows\nstruct A {{ {fields}bad: Missing = 99; }}\n");
    let (_, out) = rendered(&src);
    let col = src
        .lines()
        .nth(1)
        .and_then(|l| l.find("Missing"))
        .expect("in line 2")
        + 1;
    assert!(out.contains(&format!("--> long.idl:2:{col}")), "{out}");
    assert!(out.contains("... "), "the line was clipped: {out}");
    let shown = out
        .lines()
        .find(|l| l.starts_with("2 |"))
        .expect("the source line");
    let caret = out
        .lines()
        .skip_while(|l| !l.starts_with("2 |"))
        .nth(1)
        .expect("the caret line");
    let at = caret.find('^').expect("a caret");
    assert_eq!(shown.get(at..at + 7), Some("Missing"), "{out}");
}

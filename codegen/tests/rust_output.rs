//! The Rust target: snapshots of the generated code for every example, and determinism.

use std::path::{Path, PathBuf};

use rosetta_codegen::emit::rust::{Config, generate};
use rosetta_codegen::{Options, compile};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../idl-examples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "idl"))
        .collect();
    v.sort();
    v
}

#[test]
fn generated_rust_for_every_example() {
    for path in examples() {
        let c = compile(std::slice::from_ref(&path), &Options::default());
        let rendered = c.render_diagnostics();
        let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
        let files = generate(&ir, &Config::default()).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        for f in files {
            insta::assert_snapshot!(format!("rust__{stem}__{}", f.name), f.contents);
        }
    }
}

#[test]
fn generation_is_deterministic() {
    for path in examples() {
        let run = || {
            let c = compile(std::slice::from_ref(&path), &Options::default());
            generate(&c.ir.unwrap(), &Config::default()).unwrap()
        };
        assert_eq!(run(), run(), "{}", path.display());
    }
}

#[test]
fn generated_rust_parses_and_names_every_type() {
    for path in examples() {
        let c = compile(std::slice::from_ref(&path), &Options::default());
        let ir = c.ir.unwrap();
        let files = generate(&ir, &Config::default()).unwrap();
        let all: String = files.iter().map(|f| f.contents.as_str()).collect();
        for t in &ir.types {
            let ident = rosetta_codegen::emit::rust::type_ident(&t.name).to_string();
            assert!(
                all.contains(&format!(" {ident} ")),
                "{} missing from {}",
                ident,
                path.display()
            );
        }
    }
}

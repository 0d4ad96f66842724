//! The Rust target: snapshots of the generated code for every example, and determinism.

mod support;

use rosetta_codegen::emit::rust::{Config, generate};

#[test]
fn generated_rust_for_every_example() {
    for path in support::examples() {
        let ir = support::ir_of(&path);
        let files = generate(&ir, &Config::default()).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        for f in files {
            insta::assert_snapshot!(format!("rust__{stem}__{}", f.name), f.contents);
        }
    }
}

#[test]
fn generation_is_deterministic() {
    for path in support::examples() {
        let run = || generate(&support::ir_of(&path), &Config::default()).unwrap();
        assert_eq!(run(), run(), "{}", path.display());
    }
}

#[test]
fn generated_rust_parses_and_names_every_type() {
    for path in support::examples() {
        let ir = support::ir_of(&path);
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

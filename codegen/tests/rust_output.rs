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

/// The Builder's extra attributes land on the lines of their type and field, after the generated
/// ones, and a renamed facade is named in every path and in `__model`'s `crate` argument.
#[test]
fn user_attributes_and_a_renamed_facade_are_on_their_items() {
    let path = support::examples()
        .into_iter()
        .find(|p| support::stem(p) == "shop")
        .expect("the shop example");
    let config = Config {
        crate_path: "::renamed".to_string(),
        type_attributes: vec![("shop.v1.Product".into(), "#[derive(Hash)]".into())],
        field_attributes: vec![(
            ".shop.v1.Product.name".into(),
            "#[serde(alias = \"title\")] #[doc(alias = \"title\")]".into(),
        )],
        ..Config::default()
    };
    let files = generate(&support::ir_of(&path), &config).unwrap();
    let v1 = files
        .iter()
        .find(|f| f.name == "shop.v1.rs")
        .expect("shop.v1.rs");
    let text = &v1.contents;
    assert!(
        text.contains(
            "#[::renamed::__model(crate = \"::renamed\", default, xmlrpc)]\n\
             #[derive(Hash)]\npub struct Product {\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "    /// Shown to customers.\n    #[rosetta(length(min = 1, max = 200))]\n    \
             #[serde(alias = \"title\")]\n    #[doc(alias = \"title\")]\n    \
             pub name: ::std::string::String,\n"
        ),
        "{text}"
    );
    assert!(!text.contains("::rosetta::"), "{text}");
    assert_eq!(text.matches("#[derive(Hash)]").count(), 1);
    for f in &files {
        f.contents
            .parse::<proc_macro2::TokenStream>()
            .unwrap_or_else(|e| panic!("{}: {e}", f.name));
    }
}

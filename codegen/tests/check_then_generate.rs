//! The invariant **what passes `rosetta check` generates on every target**: for every valid
//! example and for a set of edge-case IDLs (names that collide after case conversion, Rust and
//! protobuf keywords, prelude names, nested containers, module collisions), a compilation without
//! errors generates the `proto`, `openapi` and `asyncapi` targets and the Rust target exactly as
//! the `Builder` writes it (every protocol, the prost code and descriptor set included), and the
//! generated Rust declares no name twice in one module (what rustc would refuse even though every
//! emitter succeeded). Emitters decide nothing: a rule an emitter would have to refuse belongs in
//! `check/`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rosetta_codegen::driver::MemoryFs;
use rosetta_codegen::emit::{asyncapi, openapi, proto, rust};
use rosetta_codegen::{Compilation, Options, compile, compile_with};

/// Small IDLs meant to be awkward for the generators that the checks refuse: a name, the source,
/// and the codes. The valid ones are files in `tests/idl/edge/` ([`valid_edge_cases`]), which the
/// `rosetta-tests` crate also builds with every protocol: what passes the checks must compile,
/// not only generate.
const EDGE_CASES: &[(&str, &str, &[&str])] = &[
    (
        "case_collisions",
        r#"package edge.case;
        struct HTTPServer { id: string = 1; }
        struct HttpServer { id: string = 1; }
        service Api { rpc GetX(x: i32); rpc get_x(x: i32); }"#,
        &["E0101"],
    ),
    (
        "case_collisions_members",
        r#"package edge.members;
        enum Mode { ACTIVE = 0; Active = 1; }
        union U { first_one: string = 1; firstOne: i32 = 2; }
        struct S { fooBar: string = 1; foo_bar: string = 2; }"#,
        &["E0101"],
    ),
    (
        "services_after_case",
        r#"package edge.services;
        service Orders { rpc Ping(); }
        service ORDERS { rpc Ping(); }"#,
        &["E0110", "E0136"],
    ),
    (
        "module_collisions",
        r#"package edge.mods;
        service Catalog { rpc Ping(); }
        topic "catalog" { key: string; value: string; encoding: string; }
        topic "order.events" { key: string; value: string; encoding: string; }
        topic "order-events" { key: string; value: string; encoding: string; }"#,
        &["E0136"],
    ),
    (
        "synthesized_names",
        r#"package edge.synth;
        struct AddRequest { a: i32 = 1; }
        struct AddResponse { r: i32 = 1; }
        service Calc { rpc Add(a: i32, b: i32) -> i32; }"#,
        &["E0120"],
    ),
    (
        "problem_members",
        r#"error E: not_found { status: string = 1; }
        service S { rpc M() throws E; }"#,
        &["E0135"],
    ),
];

/// The valid edge cases: every `.idl` in `tests/idl/edge/`, in name order.
fn valid_edge_cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/idl/edge");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "idl"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "the edge cases are in {}", dir.display());
    files
}

/// A topic keyed by `value.id` read through `n` nested unions.
fn union_chain(n: usize) -> String {
    let mut src = String::from("package edge.chain;\nstruct Leaf { id: string = 1; }\n");
    for i in 0..n {
        let inner = if i + 1 == n {
            "Leaf".to_string()
        } else {
            format!("U{}", i + 1)
        };
        src.push_str(&format!(
            "union U{i} {{ next: {inner} = 1; leaf: Leaf = 2; }}\n"
        ));
    }
    src.push_str("topic \"chain\" { key: value.id; value: U0; encoding: json; }\n");
    src
}

/// Two files: a service whose module is also a sub-package's module.
fn package_module_collision() -> Compilation {
    let mut fs = MemoryFs::new();
    fs.insert(
        "shop.idl",
        b"package shop;\nimport \"v1.idl\";\nservice V1 { rpc Ping(); }\n".to_vec(),
    );
    fs.insert(
        "v1.idl",
        b"package shop.v1;\nstruct A { x: i32 = 1; }\n".to_vec(),
    );
    compile_with(&fs, &[PathBuf::from("shop.idl")], &Options::default())
}

/// Names declared twice in one module of a generated Rust file, per namespace (types and
/// modules; values and functions), looking inside the `__if_<feature>! { ... }` blocks too.
fn duplicate_items(items: &[syn::Item], module: &str, out: &mut Vec<String>) {
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    let mut values: BTreeMap<String, usize> = BTreeMap::new();
    let mut flat: Vec<syn::Item> = Vec::new();
    for item in items {
        match item {
            syn::Item::Macro(m) if m.ident.is_none() => {
                if let Ok(file) = syn::parse2::<syn::File>(m.mac.tokens.clone()) {
                    flat.extend(file.items);
                }
            }
            other => flat.push(other.clone()),
        }
    }
    for item in &flat {
        let (space, name) = match item {
            syn::Item::Struct(i) => (&mut types, i.ident.to_string()),
            syn::Item::Enum(i) => (&mut types, i.ident.to_string()),
            syn::Item::Trait(i) => (&mut types, i.ident.to_string()),
            syn::Item::Type(i) => (&mut types, i.ident.to_string()),
            syn::Item::Union(i) => (&mut types, i.ident.to_string()),
            syn::Item::Mod(i) => {
                if let Some((_, inner)) = &i.content {
                    duplicate_items(inner, &format!("{module}::{}", i.ident), out);
                }
                (&mut types, i.ident.to_string())
            }
            syn::Item::Fn(i) => (&mut values, i.sig.ident.to_string()),
            syn::Item::Const(i) => (&mut values, i.ident.to_string()),
            syn::Item::Static(i) => (&mut values, i.ident.to_string()),
            _ => continue,
        };
        *space.entry(name).or_default() += 1;
    }
    for (name, n) in types.iter().chain(values.iter()) {
        if *n > 1 {
            out.push(format!("{module}: `{name}` declared {n} times"));
        }
    }
}

/// Runs every target on a compilation that passed the checks; panics with what failed.
fn generate_everything(what: &str, c: &Compilation, scratch: &Path) {
    let ir = c.ir.as_ref().expect("checked");
    proto::generate(ir).unwrap_or_else(|e| panic!("{what}: proto: {e}"));
    openapi::generate(ir).unwrap_or_else(|e| panic!("{what}: openapi: {e}"));
    asyncapi::generate(ir).unwrap_or_else(|e| panic!("{what}: asyncapi: {e}"));
    let config = rust::Config::default();
    let out = scratch.join(what);
    rosetta_codegen::builder::write_rust(ir, &config, &out)
        .unwrap_or_else(|e| panic!("{what}: rust (as the Builder writes it): {e}"));
    let mut problems = Vec::new();
    for f in rust::generate(ir, &config).unwrap_or_else(|e| panic!("{what}: rust: {e}")) {
        let file = syn::parse_file(&f.contents)
            .unwrap_or_else(|e| panic!("{what}: {} does not parse: {e}", f.name));
        duplicate_items(&file.items, &f.name, &mut problems);
    }
    assert!(problems.is_empty(), "{what}: {problems:#?}");
}

#[test]
fn what_passes_check_generates_on_every_target() {
    let scratch = std::env::temp_dir().join(format!(
        "rosetta-check-then-generate-{}",
        std::process::id()
    ));
    let mut generated = Vec::new();
    let mut refused = Vec::new();
    for path in support::examples() {
        let c = compile(std::slice::from_ref(&path), &Options::default());
        let what = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .to_string();
        assert!(c.ir.is_some(), "{what}: {}", c.render_diagnostics());
        generate_everything(&what, &c, &scratch);
        generated.push(what);
    }
    let mut cases: Vec<(String, Compilation, &[&str])> = EDGE_CASES
        .iter()
        .map(|(name, src, codes)| {
            let c = rosetta_codegen::compile_str("edge.idl", src);
            (name.to_string(), c, *codes)
        })
        .collect();
    for path in valid_edge_cases() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let c = compile(&[path], &Options::default());
        cases.push((name, c, &[]));
    }
    // The rules that once failed only in an emitter (E0135, E0136) are refused by the checks.
    cases.push((
        "package_module_collision".to_string(),
        package_module_collision(),
        &["E0136"],
    ));
    // The Kafka key reader matches through at most 32 unions; the check says so first.
    for (n, codes) in [(32, &[][..]), (33, &["E0111"][..])] {
        let c = rosetta_codegen::compile_str("chain.idl", &union_chain(n));
        cases.push((format!("union_chain_{n}"), c, codes));
    }
    cases.push((
        "recursive_union_key".to_string(),
        rosetta_codegen::compile_str(
            "rec.idl",
            "struct L { id: string = 1; }\nunion T { l: L = 1; b: B = 2; }\n\
             union B { t: T = 1; l: L = 2; }\n\
             topic \"t\" { key: value.id; value: T; encoding: json; }",
        ),
        &["E0111"],
    ));
    for (what, c, expected) in &cases {
        // Error codes only: warnings (W0001 on a `u64`) do not stop generation.
        let codes: BTreeSet<&str> = c
            .diagnostics
            .sorted()
            .iter()
            .map(|d| d.code)
            .filter(|code| code.starts_with('E'))
            .collect();
        let expected: BTreeSet<&str> = expected.iter().copied().collect();
        assert_eq!(codes, expected, "{what}: {}", c.render_diagnostics());
        if c.ir.is_some() {
            generate_everything(what, c, &scratch);
            generated.push(what.clone());
        } else {
            refused.push(what.clone());
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert_eq!(refused.len(), 9, "refused {refused:?}");
    assert!(generated.len() >= 13, "generated {generated:?}");
}

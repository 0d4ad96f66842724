//! The OpenAPI target: a snapshot of `openapi.json` for every example, determinism, and the
//! rules that keep the document equal to what the generated server accepts.

mod support;

use std::path::Path;

use rosetta_codegen::emit::openapi::generate;

fn document(path: &Path) -> String {
    let ir = support::ir_of(path);
    let files = generate(&ir).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "openapi.json");
    files[0].contents.clone()
}

#[test]
fn openapi_for_every_example() {
    for path in support::examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(format!("openapi__{stem}"), document(&path));
    }
}

#[test]
fn generation_is_deterministic() {
    for path in support::examples() {
        assert_eq!(document(&path), document(&path), "{}", path.display());
    }
}

#[test]
fn every_route_and_schema_is_described() {
    for path in support::examples() {
        let ir = support::ir_of(&path);
        let doc: serde_json::Value = serde_json::from_str(&document(&path)).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        for s in &ir.services {
            for rpc in &s.rpcs {
                let method = rpc.http.method.as_str().to_ascii_lowercase();
                let op = &doc["paths"][&rpc.http.path][&method];
                assert_eq!(
                    op["operationId"],
                    format!("{}.{}", s.full_name(), rpc.name),
                    "{}",
                    path.display()
                );
                assert!(op["responses"]["default"].is_object());
            }
        }
        // Every `$ref` points at a component that exists.
        let text = document(&path);
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap();
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{name} missing in {}",
                path.display()
            );
        }
    }
}

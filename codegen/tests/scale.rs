//! Generation at scale: no output may grow with services × types (issue 17). Each size is
//! compared with a tenfold one in the same run, by output bytes, never by time.
//!
//! The API is a chain of structs (each refers to the one before) and services whose rpcs take
//! the last one, so every service reaches every type: the case where per-service copies of
//! schemas once made the Rust output quadratic.

use prost::Message;
use rosetta_codegen::emit::{descriptor, openapi, rust};

/// `types` chained structs and `services` services of 5 rpcs each, all reaching every type.
fn api(types: usize, services: usize) -> String {
    let mut s = String::from("package scale.v1;\n\n");
    for i in 0..types {
        let prev = if i == 0 {
            "string".to_string()
        } else {
            format!("T{}", i - 1)
        };
        s.push_str(&format!(
            "/// Type {i}.\nstruct T{i} {{ id: string = 1 @length(1, 64); prev: optional<{prev}> = 2; \
             tags: list<string> = 3; n: i64 = 4 @range(0, ..); }}\n"
        ));
    }
    s.push_str("error Gone: not_found { id: string = 1; }\n");
    let last = types - 1;
    for k in 0..services {
        s.push_str(&format!("service S{k} {{\n"));
        for r in 0..5 {
            s.push_str(&format!(
                "  rpc Get{k}x{r}(id: string) -> T{last} throws Gone;\n"
            ));
        }
        s.push_str("}\n");
    }
    s
}

/// Bytes of every file a target writes for `api(types, services)`: Rust, OpenAPI, and the
/// encoded descriptor set the Builder hands prost and reflection.
fn sizes(types: usize, services: usize) -> (usize, usize, usize) {
    let c = rosetta_codegen::compile_str("scale.idl", &api(types, services));
    let rendered = c.render_diagnostics();
    let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
    let rust_bytes = rust::generate(&ir, &rust::Config::default())
        .expect("rust target")
        .iter()
        .map(|f| f.contents.len())
        .sum();
    let openapi_bytes = openapi::generate(&ir)
        .expect("openapi target")
        .iter()
        .map(|f| f.contents.len())
        .sum();
    let descriptor_bytes = descriptor::file_descriptor_set(&ir)
        .expect("descriptor set")
        .encoded_len();
    (rust_bytes, openapi_bytes, descriptor_bytes)
}

#[test]
fn output_grows_linearly_with_the_api() {
    let small = sizes(20, 2);
    let large = sizes(200, 20);
    println!(
        "rust: {} -> {} bytes; openapi: {} -> {} bytes; descriptors: {} -> {} bytes",
        small.0, large.0, small.1, large.1, small.2, large.2
    );
    // Ten times the API: at most about ten times the output (services × types would be ~100×).
    assert!(
        large.0 <= 11 * small.0,
        "rust output grew {:.1}x for a 10x API",
        large.0 as f64 / small.0 as f64
    );
    assert!(
        large.1 <= 11 * small.1,
        "openapi output grew {:.1}x for a 10x API",
        large.1 as f64 / small.1 as f64
    );
    assert!(
        large.2 <= 11 * small.2,
        "descriptor set grew {:.1}x for a 10x API",
        large.2 as f64 / small.2 as f64
    );
}

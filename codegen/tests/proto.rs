//! The `proto` target: a snapshot of the `.proto` files of every example, determinism, every
//! emitted file compiling with protox, and the seed's Greeter coming out descriptor-equal to the
//! seed's own `.proto` (quoted verbatim from the seed article).

mod support;

use std::path::Path;

use prost_types::FileDescriptorSet;
use rosetta_codegen::emit::OutputFile;
use rosetta_codegen::emit::proto::{compile_descriptors, generate};

fn protos(path: &Path) -> Vec<OutputFile> {
    let ir = support::ir_of(path);
    generate(&ir).expect("the proto target renders")
}

#[test]
fn proto_for_every_example() {
    for path in support::examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        for f in protos(&path) {
            insta::assert_snapshot!(format!("proto__{stem}__{}", f.name), f.contents);
        }
    }
}

#[test]
fn generation_is_deterministic() {
    for path in support::examples() {
        assert_eq!(protos(&path), protos(&path), "{}", path.display());
    }
}

#[test]
fn every_emitted_proto_compiles_with_protox() {
    for path in support::examples() {
        let files = protos(&path);
        let fds = compile_descriptors(&files).unwrap_or_else(|e| panic!("{e}"));
        for f in &files {
            assert!(
                fds.file.iter().any(|d| d.name() == f.name),
                "{} missing from the descriptor set",
                f.name
            );
        }
    }
}

/// The seed article's gRPC example, verbatim.
const SEED_GREETER: &str = r#"syntax = "proto3";

service Greeter {
  rpc SayHello (HelloRequest) returns (HelloResponse);
}

message HelloRequest {
  string name = 1;
}

message HelloResponse {
  string message = 1;
}
"#;

/// Descriptors without source info (comments and positions are not part of the contract).
fn strip(mut fds: FileDescriptorSet) -> FileDescriptorSet {
    for f in &mut fds.file {
        f.source_code_info = None;
    }
    fds
}

#[test]
fn seed_greeter_is_descriptor_equal_to_the_seed() {
    let seed_idl = Path::new(env!("CARGO_MANIFEST_DIR")).join("../idl-examples/seed.idl");
    let ours = strip(compile_descriptors(&protos(&seed_idl)).expect("seed.proto compiles"));
    let theirs = strip(
        compile_descriptors(&[OutputFile {
            name: "greeter.proto".into(),
            contents: SEED_GREETER.into(),
        }])
        .expect("the seed's proto compiles"),
    );
    let ours_file = ours
        .file
        .iter()
        .find(|f| f.name() == "seed.proto")
        .expect("seed.proto");
    let theirs_file = &theirs.file[0];
    assert_eq!(
        ours_file.package, theirs_file.package,
        "no package, as in the seed"
    );
    assert_eq!(ours_file.syntax, theirs_file.syntax);
    let service = |f: &prost_types::FileDescriptorProto| {
        f.service
            .iter()
            .find(|s| s.name() == "Greeter")
            .cloned()
            .expect("Greeter")
    };
    assert_eq!(service(ours_file), service(theirs_file));
    for name in ["HelloRequest", "HelloResponse"] {
        let message = |f: &prost_types::FileDescriptorProto| {
            f.message_type
                .iter()
                .find(|m| m.name() == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name}"))
        };
        assert_eq!(message(ours_file), message(theirs_file), "{name}");
    }
}

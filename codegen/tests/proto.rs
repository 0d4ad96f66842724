//! The `proto` target: a snapshot of the `.proto` files of every example, determinism, every
//! emitted file compiling with protox, the seed's Greeter coming out descriptor-equal to the
//! seed's own `.proto` (quoted verbatim from the seed article), and the descriptor set the
//! Builder builds from the IR equal to protox's compile of the emitted text.

mod support;

use std::path::Path;

use prost_types::FileDescriptorSet;
use rosetta_codegen::emit::OutputFile;
use rosetta_codegen::emit::proto::generate;

/// Compiles `.proto` files with protox, in memory: the descriptor set of every file and its
/// imports (`google/protobuf/*` included), with source info (comments).
fn compile_descriptors(files: &[OutputFile]) -> Result<FileDescriptorSet, String> {
    struct Memory(std::collections::BTreeMap<String, String>);
    impl protox::file::FileResolver for Memory {
        fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
            match self.0.get(name) {
                Some(source) => protox::file::File::from_source(name, source),
                None => Err(protox::Error::file_not_found(name)),
            }
        }
    }
    let mut resolver = protox::file::ChainFileResolver::new();
    resolver.add(Memory(
        files
            .iter()
            .map(|f| (f.name.clone(), f.contents.clone()))
            .collect(),
    ));
    resolver.add(protox::file::GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_source_info(true).include_imports(true);
    for f in files {
        compiler
            .open_file(&f.name)
            .map_err(|e| format!("emitted `{}` does not compile: {e:?}", f.name))?;
    }
    Ok(compiler.file_descriptor_set())
}

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

/// Every IDL the descriptor builder is checked on: the examples and the behaviour tests' IDLs.
fn descriptor_inputs() -> Vec<std::path::PathBuf> {
    let mut paths = support::examples();
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/idl");
    let mut more: Vec<_> = std::fs::read_dir(&tests)
        .expect("tests/idl exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "idl"))
        .collect();
    more.sort();
    paths.extend(more);
    paths
}

/// The leading (and detached) comments of every element, by source path (spans are not compared: the set built
/// from the IR parsed no text).
fn comments(f: &prost_types::FileDescriptorProto) -> Vec<(Vec<i32>, String, Vec<String>)> {
    let mut out: Vec<(Vec<i32>, String, Vec<String>)> = f
        .source_code_info
        .iter()
        .flat_map(|i| &i.location)
        // Messages, enums and services, and what is inside them: what prost and tonic document.
        .filter(|l| matches!(l.path.first(), Some(4..=6)))
        .filter(|l| l.leading_comments.is_some() || !l.leading_detached_comments.is_empty())
        .map(|l| {
            assert!(l.trailing_comments.is_none(), "no trailing comments: {l:?}");
            (
                l.path.clone(),
                l.leading_comments.clone().unwrap_or_default(),
                l.leading_detached_comments.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The one mapping, twice: the descriptor set the Builder builds from the IR (what prost,
/// tonic and reflection read) equals what protox compiles from the `.proto` text the `proto`
/// target emits, file by file, with the same comments on the same elements.
#[test]
fn descriptors_from_the_ir_equal_protox_on_the_emitted_proto() {
    for path in descriptor_inputs() {
        let ir = support::ir_of(&path);
        let files = generate(&ir).expect("renders");
        let compiled = compile_descriptors(&files).unwrap_or_else(|e| panic!("{e}"));
        let built = rosetta_codegen::emit::descriptor::file_descriptor_set(&ir)
            .unwrap_or_else(|e| panic!("{e}"));
        let names = |s: &FileDescriptorSet| -> Vec<String> {
            let mut v: Vec<String> = s.file.iter().map(|f| f.name().to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(names(&built), names(&compiled), "{}", path.display());
        for theirs in &compiled.file {
            let ours = built
                .file
                .iter()
                .find(|f| f.name() == theirs.name())
                .expect("same files");
            // The well-known files are prost-reflect's, without protobuf's own comments.
            let google = theirs.name().starts_with("google/protobuf/");
            assert_eq!(
                if google { Vec::new() } else { comments(ours) },
                if google { Vec::new() } else { comments(theirs) },
                "{}: comments of {}",
                path.display(),
                theirs.name()
            );
            let strip = |f: &prost_types::FileDescriptorProto| {
                let mut f = f.clone();
                f.source_code_info = None;
                f
            };
            assert_eq!(
                strip(ours),
                strip(theirs),
                "{}: {}",
                path.display(),
                theirs.name()
            );
        }
        // Dependencies come before the files that import them (protoc's order).
        for (i, f) in built.file.iter().enumerate() {
            for dep in &f.dependency {
                let j = built.file.iter().position(|g| g.name() == dep);
                assert!(
                    j.is_some_and(|j| j < i),
                    "{}: {dep} before {}",
                    path.display(),
                    f.name()
                );
            }
        }
    }
}

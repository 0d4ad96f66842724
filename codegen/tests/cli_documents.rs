//! The CLI's document targets write what the library's emitters return, byte for byte: the CLI
//! streams `openapi.json` to the file as it indents it (`openapi::write_document`) and writes the
//! other documents in pieces, where the Builder and the tests take whole strings.

mod support;

use std::process::Command;

use rosetta_codegen::emit::{asyncapi, openapi, proto};

#[test]
fn every_document_target_writes_what_its_emitter_returns() {
    let out = std::env::temp_dir().join(format!("rosetta-cli-documents-{}", std::process::id()));
    for path in support::examples() {
        let ir = support::ir_of(&path);
        let expected = [
            ("openapi", openapi::generate(&ir)),
            ("asyncapi", asyncapi::generate(&ir)),
            ("proto", proto::generate(&ir)),
        ];
        for (target, files) in expected {
            let _ = std::fs::remove_dir_all(&out);
            let run = Command::new(env!("CARGO_BIN_EXE_rosetta"))
                .arg("generate")
                .arg(&path)
                .args(["--target", target, "--out"])
                .arg(&out)
                .output()
                .expect("run rosetta generate");
            assert!(
                run.status.success(),
                "{} --target {target}: {}",
                path.display(),
                String::from_utf8_lossy(&run.stderr)
            );
            for file in files.expect("the emitter's documents") {
                let written = std::fs::read_to_string(out.join(&file.name))
                    .unwrap_or_else(|e| panic!("{}: {e}", file.name));
                assert!(
                    written == file.contents,
                    "{} --target {target}: `{}` differs from the emitter's",
                    path.display(),
                    file.name
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

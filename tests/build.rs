//! Compiles the protocol test fixtures in `idl/` with the Rosetta `Builder`, as a user's build.rs
//! would. Each protocol's fixtures have their own package (`xmlrpc.*`, ...), so their generated
//! files do not collide; tests include them with `rosetta::include_idl!("<package>")`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // XML-RPC fixtures: only the XML-RPC glue, so these tests depend on no other protocol.
    rosetta_codegen::Builder::new()
        .rest(false)
        .grpc(false)
        .kafka(false)
        .compile(&["idl/xmlrpc_echo.idl"])?;
    // REST fixtures: only the REST glue.
    rosetta_codegen::Builder::new()
        .xmlrpc(false)
        .grpc(false)
        .kafka(false)
        .compile(&["idl/rest_fixture.idl"])?;
    // Dynamic values and nested containers: every protocol, and both Kafka encodings that can
    // carry them.
    // prost's messages too: the tests read the wire with an encoder Rosetta did not write.
    rosetta_codegen::Builder::new()
        .prost_messages(true)
        .compile(&["idl/dynamic.idl"])?;
    // The shapes the Kafka glue macros spell: only the Kafka glue.
    rosetta_codegen::Builder::new()
        .xmlrpc(false)
        .rest(false)
        .grpc(false)
        .compile(&["idl/kafka_glue.idl"])?;
    // Every container shape through the gRPC codec, against prost's messages; every protocol,
    // so each one's code for these shapes (union members that are containers) is compiled too.
    rosetta_codegen::Builder::new()
        .prost_messages(true)
        .compile(&["idl/grpc_shapes.idl"])?;
    // The valid edge cases of `codegen/tests/check_then_generate.rs` (keywords, prelude names,
    // nested containers, ...): what passes the checks must build, with every protocol.
    let mut edge: Vec<std::path::PathBuf> = std::fs::read_dir("idl/edge")?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    edge.retain(|p| p.extension().is_some_and(|x| x == "idl"));
    edge.sort();
    // W0001: `prelude_names` has a `u64` on purpose.
    rosetta_codegen::Builder::new()
        .allow("W0001")
        .compile(&edge)?;
    println!("cargo:rerun-if-changed=idl/edge");
    Ok(())
}

//! Generates the Greeter's gRPC glue (and its prost types, which the hand-written server uses too).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    rosetta_codegen::Builder::new()
        .xmlrpc(false)
        .rest(false)
        .kafka(false)
        // The streaming rpcs are for gRPC; XML-RPC is not generated here.
        .allow("W0002")
        .compile(&["greeter.idl"])?;
    Ok(())
}

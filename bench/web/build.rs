//! Generates the Greeter's gRPC glue (and its prost types, which the hand-written server uses too).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    rosetta_codegen::Builder::new()
        .xmlrpc(false)
        .rest(false)
        .kafka(false)
        .compile(&["greeter.idl"])?;
    Ok(())
}

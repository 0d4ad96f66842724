//! Generates the shop's Kafka stubs (and nothing else) from the example IDL.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    rosetta_codegen::Builder::new()
        .xmlrpc(false)
        .rest(false)
        .grpc(false)
        .kafka(true)
        .compile(&["../../idl-examples/shop.idl"])?;
    Ok(())
}

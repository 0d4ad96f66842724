//! Generates the seed's and the shop's XML-RPC glue (XML-RPC only) for the benchmark server.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    rosetta_codegen::Builder::new()
        .rest(false)
        .grpc(false)
        .kafka(false)
        .compile(&["../../idl-examples/seed.idl", "../../idl-examples/shop.idl"])?;
    Ok(())
}

//! Generates the seed's and the shop's REST glue (REST only) for the benchmark server.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    rosetta_codegen::Builder::new()
        .xmlrpc(false)
        .grpc(false)
        .kafka(false)
        .compile(&["../../idl-examples/seed.idl", "../../idl-examples/shop.idl"])?;
    Ok(())
}

//! Generates the Greeter's Rosetta glue, and from the same descriptors the code tonic-build
//! writes (server trait, client, prost messages) for the hand-written baseline and the load
//! clients: Rosetta's own code has no tonic-build service code since issue 17.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    rosetta_codegen::Builder::new()
        .xmlrpc(false)
        .rest(false)
        .kafka(false)
        // The streaming rpcs are for gRPC; XML-RPC is not generated here.
        .allow("W0002")
        .compile(&["greeter.idl"])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptors = std::fs::read(out.join("rosetta-proto/descriptor.bin"))?;
    let tonic_dir = out.join("tonic");
    std::fs::create_dir_all(&tonic_dir)?;
    tonic_prost_build::configure()
        .out_dir(&tonic_dir)
        .compile_fds(prost_types::FileDescriptorSet::decode(&*descriptors)?)?;
    Ok(())
}

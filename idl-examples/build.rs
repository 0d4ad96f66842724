//! Runs the Rosetta compiler on the example IDLs, exactly as a user's build script would.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    rosetta_codegen::Builder::new()
        // `stream_demo.idl`'s and `grpc_testing.idl`'s streaming rpcs are meant to be left out
        // of XML-RPC.
        .allow("W0002")
        // prost's messages beside the domain types: the tests read and write the wire with an
        // encoder Rosetta did not write.
        .prost_messages(true)
        .compile(&[
            "seed.idl",
            "shop.idl",
            "naming_obstacle_course.idl",
            "validator1.idl",
            "stream_demo.idl",
            "grpc_testing.idl",
        ])?;
    Ok(())
}

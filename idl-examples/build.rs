//! Runs the Rosetta compiler on the example IDLs, exactly as a user's build script would.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    rosetta_codegen::Builder::new().compile(&[
        "seed.idl",
        "shop.idl",
        "naming_obstacle_course.idl",
        "validator1.idl",
        "stream_demo.idl",
    ])?;
    Ok(())
}

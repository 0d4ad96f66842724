//! Reports the facade's enabled features to the build scripts of the crates that depend on it:
//! cargo hands them `DEP_ROSETTA_RPC_FEATURES` (through `links = "rosetta_rpc"`), and
//! `rosetta_codegen::Builder` generates glue for exactly those protocols. A build script sees
//! `CARGO_FEATURE_*` only for its own crate, so this is the one way it can know.

fn main() {
    let features: Vec<&str> = ["derive", "server", "xmlrpc", "rest", "grpc", "kafka"]
        .into_iter()
        .filter(|f| std::env::var_os(format!("CARGO_FEATURE_{}", f.to_uppercase())).is_some())
        .collect();
    println!("cargo::metadata=features={}", features.join(","));
    println!("cargo::rerun-if-changed=build.rs");
}

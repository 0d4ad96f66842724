//! Derive macros and `include_idl!` for Rosetta (filled in by the Rust-output issue).

//! Rosetta: one interface definition, four protocols.
//!
//! This facade re-exports the runtime that generated code calls and, with the
//! `derive` feature, the derive macros.

pub use rosetta_runtime as runtime;

#[cfg(feature = "derive")]
pub use rosetta_macros::*;

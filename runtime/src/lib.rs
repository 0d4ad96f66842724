//! Runtime support that Rosetta-generated code calls.

pub mod error;

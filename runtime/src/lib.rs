//! Runtime support that Rosetta-generated code calls.

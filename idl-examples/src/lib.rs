//! Rosetta example crate: the example IDLs live beside this file.

//! Emitters: one module per target, each reading the [`crate::ir::Ir`] only.
//!
//! Architecture invariant: emitters never see the AST, and MUST be deterministic (the same IR
//! gives the same bytes).

pub mod asyncapi;
pub mod descriptor;
pub mod json;
pub mod json_schema;
pub mod openapi;
pub mod proto;
pub mod rust;

/// One generated file: a name relative to the output folder, and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// The file name, relative to the output folder (`openapi.json`, `shop.v1.rs`).
    pub name: String,
    /// The file's text.
    pub contents: String,
}

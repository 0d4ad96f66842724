//! The Rosetta IDL compiler.
//!
//! The pipeline is visible in the module names: [`syntax`] (pest grammar, AST with spans) →
//! [`program`] (files and imports loaded, names looked up) → [`check`] (one function per rule,
//! every diagnostic collected) → [`ir`] (the resolved model, built by [`lower`]) → emitters.
//! [`driver`] runs it and is the only module that touches the file system.
//!
//! ```
//! let c = rosetta_codegen::compile_str("seed.idl", "struct Hello { name: string = 1; }");
//! assert!(c.diagnostics.is_empty());
//! assert_eq!(c.ir.unwrap().types[0].name, "Hello");
//! ```

pub mod builder;
mod case;
pub mod check;
pub mod conventions;
pub mod diagnostics;
pub mod driver;
pub mod emit;
pub mod fmt;
mod graph;
pub mod ir;
pub mod lower;
mod parallel;
pub mod program;
pub mod source;
pub mod syntax;

pub use builder::Builder;
pub use driver::{Compilation, Options, compile, compile_str, compile_with};

//! Syntax: the pest grammar (`idl.pest`), the AST with spans, and the parser that builds one from
//! the other.

pub mod ast;
mod parser;

pub use parser::{MAX_NESTING, parse};

//! The `proto` target: the `.proto` files (one per IDL file) for gRPC (filled in by its protocol work).

use super::OutputFile;
use crate::ir::Ir;

/// Generates the `.proto` files (one per IDL file) for gRPC.
pub fn generate(_ir: &Ir) -> Result<Vec<OutputFile>, String> {
    Err("the `proto` target is not available yet".to_string())
}

//! The `openapi` target: the OpenAPI 3.1 document of every REST route (filled in by its protocol work).

use super::OutputFile;
use crate::ir::Ir;

/// Generates the OpenAPI 3.1 document of every REST route.
pub fn generate(_ir: &Ir) -> Result<Vec<OutputFile>, String> {
    Err("the `openapi` target is not available yet".to_string())
}

//! The `asyncapi` target: the AsyncAPI 3.0 document of every Kafka topic (filled in by its protocol work).

use super::OutputFile;
use crate::ir::Ir;

/// Generates the AsyncAPI 3.0 document of every Kafka topic.
pub fn generate(_ir: &Ir) -> Result<Vec<OutputFile>, String> {
    Err("the `asyncapi` target is not available yet".to_string())
}

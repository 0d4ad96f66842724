//! The rest glue of a service (filled in by the rest protocol work).

use super::protocols::Glue;
use super::types::Gen;
use crate::ir::Service;

/// The rest items and mount statements for `s`.
pub(super) fn service(_g: &Gen, _s: &Service) -> Result<Glue, String> {
    Ok(Glue::default())
}

//! The Kafka glue of a topic (filled in by the Kafka protocol work).

use proc_macro2::TokenStream;

use super::types::Gen;
use crate::ir::Topic;

/// The typed producer and consumer of `t`.
pub(super) fn topic(_g: &Gen, _t: &Topic) -> Result<TokenStream, String> {
    Ok(TokenStream::new())
}

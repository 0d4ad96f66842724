//! gRPC glue (feature `grpc`): what the generated adapters and clients call.
//!
//! - [`codec`]: tonic's codec over Rosetta's protobuf encoding ([`crate::proto`]): the domain
//!   types are the messages. A message that is not a valid domain value (a missing required
//!   message field, an unknown enum number, a `oneof` not set, a timestamp out of range) is
//!   `INVALID_ARGUMENT` with its field path, never a panic; [`message`] wraps a non-message
//!   answer in its `<Rpc>Response`.
//! - [`status`]: errors ↔ [`tonic::Status`]. The code is the kind's
//!   ([`ErrorKind::grpc_code`](crate::ErrorKind::grpc_code)); the details (`grpc-status-details-bin`)
//!   are a `google.rpc.Status` whose `details` hold the declared error's own message as an `Any`
//!   (`type.googleapis.com/<package>.<Error>`), or a `google.rpc.BadRequest` listing every
//!   constraint violation — Google's rich error model, which grpcio-status and other clients read.
//! - [`server`]: the registry of mounted services, reflection (v1 and v1alpha) and
//!   `grpc.health.v1` (on by default), message size limits, compression (gzip, deflate, zstd),
//!   the request [`Context`](crate::Context).
//! - `framing` (private): the request framing check every gRPC request goes through — a
//!   truncated or malformed message prefix, a compressed flag without `grpc-encoding`, a unary
//!   call with no message or two — each refused with the status the gRPC documents name.
//! - [`service`]: a generated service's calls dispatched through tonic's `server::Grpc`.
//! - [`client`]: connecting a generated `GrpcClient`, and sending its rpcs.

pub mod client;

/// gRPC's header names, spelled once and looked up as names: a `&str` key is parsed and
/// validated again at every lookup, which every call would pay for.
#[cfg(feature = "server")]
pub(crate) mod names {
    use http::HeaderName;

    pub(crate) const GRPC_TIMEOUT: HeaderName = HeaderName::from_static("grpc-timeout");
    pub(crate) const GRPC_ENCODING: HeaderName = HeaderName::from_static("grpc-encoding");
    pub(crate) const GRPC_ACCEPT_ENCODING: HeaderName =
        HeaderName::from_static("grpc-accept-encoding");
    pub(crate) const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
    pub(crate) const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");
}
pub mod codec;
#[cfg(feature = "server")]
mod framing;
pub mod message;
#[cfg(feature = "server")]
pub mod server;
/// A generated service's dispatch: glue for generated code, not a stable API.
#[cfg(feature = "server")]
#[doc(hidden)]
pub mod service;
pub mod status;

pub use client::connect;
pub use codec::ALL_ENCODINGS;
pub use codec::{Codec, Encoded};
pub use message::Carries;
#[cfg(feature = "server")]
pub use server::{GrpcOptions, Registry};
pub use status::{FromTonicStatus, IntoTonicStatus};
pub use tonic::codec::CompressionEncoding;

pub use prost;
pub use prost_types;
pub use tonic;
pub use tonic_health;
pub use tonic_prost;
pub use tonic_reflection;

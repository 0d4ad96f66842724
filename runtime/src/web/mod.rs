//! Browsers and web clients on the one port: CORS for every HTTP protocol, gRPC-Web and the
//! Connect protocol, each a translation in front of the same tonic gRPC services (no code is
//! generated for them: whatever the gRPC services answer, these protocols answer too).
//!
//! Which protocol a request speaks is decided once, by [`crate::server::protocol_of`].

pub mod cors;

#[cfg(feature = "grpc")]
pub(crate) mod grpc_web;

#[cfg(feature = "grpc")]
pub(crate) mod connect;

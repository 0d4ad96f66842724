//! Runtime support that Rosetta-generated code calls.

pub mod body;
pub mod context;
#[doc(hidden)]
pub mod dead_letter;
pub mod error;
pub mod json;
pub mod metadata;
pub mod object;
#[doc(hidden)]
pub mod openapi_join;
#[cfg(any(feature = "grpc", feature = "kafka"))]
pub mod proto;
#[cfg(feature = "server")]
pub mod server;
pub mod status;
pub mod stream;
pub mod timestamp;
pub mod validate;
pub mod value;
#[cfg(feature = "server")]
pub mod web;

pub use context::{Context, Protocol};
pub use error::ErrorKind;
pub use metadata::ResponseMetadata;
pub use status::{DeclaredError, RpcError, Status};
pub use stream::Streaming;
pub use timestamp::Timestamp;
pub use validate::{Validate, Violation};
pub use value::Value;

#[cfg(feature = "grpc")]
pub mod grpc;

#[cfg(feature = "kafka")]
pub mod kafka;

#[cfg(feature = "xmlrpc")]
pub mod xmlrpc;

#[cfg(feature = "rest")]
pub mod rest;

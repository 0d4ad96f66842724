//! The XML-RPC codec: value model, safe decoder, fast encoder, typed conversions and gzip limits.
//!
//! Everything generated XML-RPC handlers and clients need below HTTP:
//!
//! - [`Value`], [`MethodCall`], [`Fault`] and the interoperability fault codes ([`PARSE_ERROR`], …);
//! - [`decode_method_call`] / [`decode_method_response`]: a quick-xml pull parser with no DTD,
//!   no entity but the predefined five and character references, a nesting limit kept on the
//!   heap (hostile depth cannot overflow the stack) and a body-size limit, see [`Limits`];
//! - [`encode_method_call`] / [`encode_response`] / [`encode_fault`]: direct writes into a
//!   `Vec<u8>`, in the forms Python's `xmlrpc.client` reads;
//! - [`ToXmlRpc`] / [`FromXmlRpc`]: typed conversions with error paths like `items[2].price`,
//!   which generated code and `#[derive(XmlRpc)]` implement;
//! - [`decompress_gzip_limited`]: gzip request bodies without gzip bombs;
//! - [`glue`]: what generated handlers and clients call (parameter decoding, validation,
//!   declared errors as faults and back);
//! - [`client::Client`]: the HTTP client generated `XmlRpcClient`s wrap;
//! - `server` (with the `server` feature): the `POST /RPC2` endpoint with introspection,
//!   `system.multicall`, gzip and body limits.
//!
//! ```
//! use rosetta_runtime::xmlrpc::{self, Limits, Value};
//!
//! let body = xmlrpc::encode_method_call("add", &[Value::Int(2), Value::Int(3)]);
//! let call = xmlrpc::decode_method_call(&body, &Limits::default()).unwrap();
//! assert_eq!(call.name, "add");
//! let sum: i64 = call.params.iter().filter_map(Value::as_i64).sum();
//! let response = xmlrpc::encode_response(&Value::from(sum));
//! let decoded = xmlrpc::decode_method_response(&response, &Limits::default()).unwrap();
//! assert_eq!(decoded, Ok(Value::Int(5)));
//! ```

pub mod client;
mod convert;
mod decode;
mod encode;
#[cfg(feature = "server")]
pub(crate) mod endpoint;
mod fault;
#[doc(hidden)]
pub mod glue;
mod gzip;
#[cfg(feature = "server")]
pub mod server;

pub use crate::timestamp::{Timestamp, TimestampError};
pub use crate::value::Value;
pub use convert::{
    FromXmlRpc, Member, Members, PathSegment, Positional, ToXmlRpc, ValueError, member, optional,
    optional_member, optional_param, param, push_member, push_optional_member, required_member,
    struct_members, struct_value, try_push_member, try_push_optional_member, try_struct_value,
};
pub use decode::{
    DecodeError, DecodeErrorKind, decode_method_call, decode_method_response, decode_value,
};
pub use encode::{
    encode_fault, encode_method_call, encode_method_response, encode_response, write_fault,
    write_method_call, write_response, write_value,
};
pub use fault::{
    APPLICATION_ERROR, Fault, INTERNAL_ERROR, INVALID_CHARACTER, INVALID_PARAMS, INVALID_REQUEST,
    METHOD_NOT_FOUND, PARSE_ERROR, SYSTEM_ERROR, TRANSPORT_ERROR, UNSUPPORTED_ENCODING,
};
pub use gzip::{GzipError, compress_gzip, decompress_gzip_limited};

/// A decoded `<methodCall>`: the method name and its positional parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MethodCall {
    /// The `<methodName>`, with surrounding whitespace removed.
    pub name: String,
    /// The `<param>` values in order.
    pub params: Vec<Value>,
}

impl MethodCall {
    /// A call of `name` with `params`.
    pub fn new(name: impl Into<String>, params: Vec<Value>) -> Self {
        MethodCall {
            name: name.into(),
            params,
        }
    }
}

/// A decoded `<methodResponse>`: the value, or the fault the server answered with.
pub type MethodResponse = Result<Value, Fault>;

/// Resource limits for decoding untrusted XML-RPC.
///
/// Start from [`Limits::DEFAULT`] (or `default()`) and change what you need:
/// `Limits::DEFAULT.with_max_depth(32)`. `#[non_exhaustive]`: a later release can add a limit
/// without breaking you.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// The largest body accepted, in bytes, after any gzip decompression.
    /// Default: [`Limits::DEFAULT_MAX_BODY_SIZE`] (16 MiB).
    pub max_body_size: usize,
    /// The deepest nesting of arrays and structs accepted (a scalar at top level is depth 0;
    /// `[[1]]` is depth 2). Default: [`Limits::DEFAULT_MAX_DEPTH`] (64).
    ///
    /// The decoder itself never recurses on input depth, but Rust drops a nested [`Value`]
    /// recursively, so this limit also keeps dropping decoded values cheap and safe.
    pub max_depth: usize,
}

impl Limits {
    /// The default body limit: 16 MiB.
    pub const DEFAULT_MAX_BODY_SIZE: usize = 16 * 1024 * 1024;
    /// The default nesting limit: 64 arrays/structs.
    pub const DEFAULT_MAX_DEPTH: usize = 64;

    /// The defaults, usable in `const` and `static` items.
    pub const DEFAULT: Limits = Limits {
        max_body_size: Limits::DEFAULT_MAX_BODY_SIZE,
        max_depth: Limits::DEFAULT_MAX_DEPTH,
    };

    /// Sets [`max_body_size`](Self::max_body_size).
    #[must_use]
    pub const fn with_max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Sets [`max_depth`](Self::max_depth).
    #[must_use]
    pub const fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Checks a body length (e.g. a `Content-Length`, before reading the body) against
    /// [`max_body_size`](Self::max_body_size); the error is the fault to answer with.
    pub fn check_body_size(&self, len: usize) -> Result<(), Fault> {
        if len > self.max_body_size {
            return Err(Fault::invalid_request(format!(
                "body of {len} bytes exceeds the limit of {} bytes",
                self.max_body_size
            )));
        }
        Ok(())
    }

    /// Decompresses a gzip body with [`max_body_size`](Self::max_body_size) as the limit.
    pub fn decompress_gzip(&self, body: &[u8]) -> Result<Vec<u8>, Fault> {
        decompress_gzip_limited(body, self.max_body_size).map_err(Fault::from)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

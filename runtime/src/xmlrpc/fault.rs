//! XML-RPC faults: the `Fault` type and the interoperability fault codes.

use std::fmt;

/// Parse error: the body is not well-formed XML (or uses a refused XML feature such as a DTD).
pub const PARSE_ERROR: i32 = -32700;
/// Parse error: the document declares an encoding this codec does not read.
pub const UNSUPPORTED_ENCODING: i32 = -32701;
/// Parse error: the bytes are not valid in the document's encoding.
pub const INVALID_CHARACTER: i32 = -32702;
/// Server error: well-formed XML that is not a conforming XML-RPC document, or a limit was hit.
pub const INVALID_REQUEST: i32 = -32600;
/// Server error: no method of that name.
pub const METHOD_NOT_FOUND: i32 = -32601;
/// Server error: the parameters do not match the method's signature.
pub const INVALID_PARAMS: i32 = -32602;
/// Server error: the server failed while handling a valid request.
pub const INTERNAL_ERROR: i32 = -32603;
/// Application error (the interoperability spec's generic application code).
pub const APPLICATION_ERROR: i32 = -32500;
/// System error (the interoperability spec's generic system code).
pub const SYSTEM_ERROR: i32 = -32400;
/// Transport error (the interoperability spec's generic transport code).
pub const TRANSPORT_ERROR: i32 = -32300;

/// An XML-RPC fault: what a `<fault>` response carries.
///
/// On the wire it is a struct with exactly the members `faultCode` (int) and `faultString`
/// (string). The encoder MUST NOT add any other member: Python's `xmlrpc.client` builds
/// `Fault(**members)`, so an extra member breaks every Python client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fault {
    /// The `faultCode` member.
    pub code: i32,
    /// The `faultString` member.
    pub string: String,
}

impl Fault {
    /// A fault with the given code and message.
    pub fn new(code: i32, string: impl Into<String>) -> Self {
        Fault {
            code,
            string: string.into(),
        }
    }

    /// A [`PARSE_ERROR`] fault.
    pub fn parse_error(string: impl Into<String>) -> Self {
        Fault::new(PARSE_ERROR, string)
    }

    /// An [`INVALID_REQUEST`] fault.
    pub fn invalid_request(string: impl Into<String>) -> Self {
        Fault::new(INVALID_REQUEST, string)
    }

    /// A [`METHOD_NOT_FOUND`] fault naming the method.
    pub fn method_not_found(method: &str) -> Self {
        Fault::new(METHOD_NOT_FOUND, format!("method not found: {method}"))
    }

    /// An [`INVALID_PARAMS`] fault.
    pub fn invalid_params(string: impl Into<String>) -> Self {
        Fault::new(INVALID_PARAMS, string)
    }

    /// An [`INTERNAL_ERROR`] fault.
    pub fn internal_error(string: impl Into<String>) -> Self {
        Fault::new(INTERNAL_ERROR, string)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XML-RPC fault {}: {}", self.code, self.string)
    }
}

impl std::error::Error for Fault {}

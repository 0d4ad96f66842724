//! The request context every generated service method receives: which protocol carried the
//! call, its headers (or gRPC metadata), the peer address and the deadline; and the
//! [`ResponseMetadata`] through which the handler sets response headers and trailers.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::metadata::ResponseMetadata;

/// The protocol a call arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// XML-RPC: a `POST /RPC2` with an XML `methodCall`.
    XmlRpc,
    /// REST: the rpc's HTTP route with JSON bodies.
    Rest,
    /// gRPC (`application/grpc*`) over HTTP/2.
    Grpc,
    /// gRPC-Web (`application/grpc-web*`): a browser's gRPC, translated to gRPC on the same port.
    GrpcWeb,
    /// The Connect protocol (`application/proto`, or `application/json` with a
    /// `Connect-Protocol-Version` header), served by the same gRPC services.
    Connect,
    /// A Kafka record handed to a consumer's handler.
    Kafka,
    /// Called directly from Rust (tests, or one service calling another in process).
    Local,
}

impl Protocol {
    /// A short lower-case name for logs and spans: `xmlrpc`, `rest`, `grpc`, `grpc-web`,
    /// `connect`, `kafka`, `local`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::XmlRpc => "xmlrpc",
            Protocol::Rest => "rest",
            Protocol::Grpc => "grpc",
            Protocol::GrpcWeb => "grpc-web",
            Protocol::Connect => "connect",
            Protocol::Kafka => "kafka",
            Protocol::Local => "local",
        }
    }
}

/// What a handler knows about the call besides its arguments.
#[derive(Debug)]
pub struct Context {
    protocol: Protocol,
    /// Borrowed when it is the IDL's name (every generated call): no allocation per call.
    method: std::borrow::Cow<'static, str>,
    headers: http::HeaderMap,
    peer: Option<SocketAddr>,
    deadline: Option<Instant>,
    extensions: http::Extensions,
    /// The server's per-call handle. A plain field, not put in `response`: `OnceLock::from`
    /// runs the once-initialisation on every call.
    given: Option<ResponseMetadata>,
    /// Without a given handle, one made on first use: a context the server did not make
    /// allocates none until asked.
    response: std::sync::OnceLock<ResponseMetadata>,
}

impl Context {
    /// A context for a call on `protocol` to `method` (the IDL's `Service.Method`).
    pub fn new(protocol: Protocol, method: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Context {
            protocol,
            method: method.into(),
            headers: http::HeaderMap::new(),
            peer: None,
            deadline: None,
            extensions: http::Extensions::new(),
            given: None,
            response: std::sync::OnceLock::new(),
        }
    }

    /// The context of a call the server received: built in one go (the builder methods move
    /// the whole context at each step, on every call).
    #[cfg(all(
        feature = "server",
        any(feature = "rest", feature = "xmlrpc", feature = "grpc")
    ))]
    pub(crate) fn served(
        protocol: Protocol,
        method: std::borrow::Cow<'static, str>,
        headers: http::HeaderMap,
        peer: Option<SocketAddr>,
        response: ResponseMetadata,
    ) -> Self {
        Context {
            protocol,
            method,
            headers,
            peer,
            deadline: None,
            extensions: http::Extensions::new(),
            given: Some(response),
            response: std::sync::OnceLock::new(),
        }
    }

    /// A context for calling a service directly from Rust.
    pub fn local(method: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self::new(Protocol::Local, method)
    }

    /// Sets the headers (HTTP headers, or gRPC metadata).
    pub fn with_headers(mut self, headers: http::HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the peer address.
    pub fn with_peer(mut self, peer: Option<SocketAddr>) -> Self {
        self.peer = peer;
        self
    }

    /// Sets the deadline from a timeout measured from now.
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        self
    }

    /// Sets the deadline.
    pub fn with_deadline(mut self, deadline: Option<Instant>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the handle the protocol reads the response metadata from (the server's, for a call
    /// that came over the network).
    pub fn with_response_metadata(mut self, response: ResponseMetadata) -> Self {
        self.given = Some(response);
        self.response = std::sync::OnceLock::new();
        self
    }

    /// The protocol the call arrived on.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The IDL method name, `Service.Method`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// All headers (or gRPC metadata).
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// One header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The bytes of a binary header (`…-bin` gRPC metadata, base64 on the wire, padded or not),
    /// if present and valid base64.
    pub fn header_bin(&self, name: &str) -> Option<Vec<u8>> {
        self.headers.get(name).and_then(crate::metadata::decode_bin)
    }

    /// Where the handler sets response headers (gRPC initial metadata) and trailers (trailing
    /// metadata), the same way whatever the protocol: `ctx.response_metadata().insert_header(…)`.
    /// Clone the handle into a stream to set trailers as it runs. See [`crate::metadata`] for
    /// where each protocol sends them.
    pub fn response_metadata(&self) -> &ResponseMetadata {
        match &self.given {
            Some(given) => given,
            None => self.response.get_or_init(ResponseMetadata::new),
        }
    }

    /// Whether the request message most recently handed to the handler arrived compressed:
    /// for gRPC, the message's `Compressed-Flag` (a unary call's one message, or the last item
    /// a client stream yielded; always `false` for a call that names no `grpc-encoding`, whose
    /// messages cannot be compressed); `None` on protocols that do not compress messages one by
    /// one.
    pub fn request_compressed(&self) -> Option<bool> {
        match self.extensions.get::<crate::metadata::MessageCompression>() {
            Some(flags) => flags.last(),
            None => matches!(
                self.protocol,
                Protocol::Grpc | Protocol::GrpcWeb | Protocol::Connect
            )
            .then_some(false),
        }
    }

    /// The remote address, when the transport knows it.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// When the caller stops waiting, if it said.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time left before the deadline (zero once passed); `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Typed values attached by middleware (an authenticated principal, say).
    pub fn extensions(&self) -> &http::Extensions {
        &self.extensions
    }

    /// Mutable access to the typed values.
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.extensions
    }
}

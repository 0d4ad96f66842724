//! A generated service as the one-port server calls it
//! ([`Handler`](crate::grpc::service::Handler)) and tonic's own server can mount it: the
//! request's path picks the rpc, and tonic's own per-call machinery ([`tonic::server::Grpc`]:
//! framing, compression, size limits) runs it with Rosetta's [`Codec`] (the domain types are the
//! messages) around the runtime's per-call function.
//!
//! Rosetta writes this dispatch itself (the `__grpc_adapter!` macro, one match arm per rpc)
//! instead of generating tonic-build's server module and implementing its trait: tonic-build's
//! code boxes three futures per call (the service's, the per-method service's and the
//! `async_trait` method's) where this boxes one, and its text, formatted through `syn`, was a
//! third of `rosetta generate --target rust` and about half the lines prost + tonic write per
//! service (issue 17).

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use tonic::codec::{CompressionEncoding, EnabledCompressionEncodings};

use super::codec::{ALL_ENCODINGS, Codec, Encoded};
use super::message::Carries;
use super::server::{self, GrpcOptions, OneAnswer, ResponseCompression};
use super::status::IntoTonicStatus;
use crate::context::Context;
use crate::proto::ProtoMessage;
use crate::validate::Validate;

/// An HTTP response of a gRPC call, as tonic's router takes it.
pub type Response = http::Response<tonic::body::Body>;

/// The future a generated service's `call` returns: one box per call.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// A generated service as the one-port server calls it: through a shared reference, picked by
/// the service name in the request's path from a table built at start-up. Not through axum's
/// router, as tonic's `Routes` would mount it: its `/{service}/{*rest}` route captures the
/// method into a URL parameter on every call, two `Arc<str>`s and a fresh extensions map, with
/// the route's boxed-service clone, about 3k instructions of a unary call (a twentieth of it)
/// that no gRPC service reads.
pub trait Handler: Send + Sync + 'static {
    /// Serves one call (the path names one of this service's methods, or none of them).
    fn serve(&self, req: http::Request<RequestBody>) -> ResponseFuture;
}

/// The body of a request as the one-port server hands it to a [`Handler`].
pub type RequestBody = axum::body::Body;

/// What every call of one mounted service reads from the server's [`GrpcOptions`]: message
/// size limits, the codings accepted and sent, and the size under which an answer goes
/// uncompressed. Copied into each call.
#[derive(Debug, Clone, Copy)]
pub struct ServiceConfig {
    accept: EnabledCompressionEncodings,
    send: EnabledCompressionEncodings,
    max_decoding_message_size: usize,
    max_encoding_message_size: usize,
    /// [`GrpcOptions::compression_min_size`].
    pub min_compressed_size: usize,
}

impl ServiceConfig {
    /// The settings of `options`.
    pub fn new(options: &GrpcOptions) -> Self {
        ServiceConfig {
            accept: enabled(&options.accept_compression),
            send: enabled(&options.send_compression),
            max_decoding_message_size: options.max_decoding_message_size,
            max_encoding_message_size: options.max_encoding_message_size,
            min_compressed_size: options.compression_min_size,
        }
    }
}

impl ServiceConfig {
    /// What a call with one answer reads from its request before tonic takes it: the caller's
    /// deadline, the codings the answer may be sent in ([`ServiceConfig::send_to`]) and how it
    /// may be compressed.
    fn one_answer(&self, headers: &http::HeaderMap) -> (EnabledCompressionEncodings, OneAnswer) {
        let send = self.send_to(headers);
        let answer = OneAnswer {
            deadline: server::caller_deadline(headers),
            compression: ResponseCompression::new(&send, self.min_compressed_size),
        };
        (send, answer)
    }

    /// The codings this call's answer may be sent in: the server's, when the caller's
    /// `grpc-accept-encoding` names one of them, else none. Looked up once, here: with none,
    /// tonic does not look for the header again (it parses it by name, a few hundred
    /// instructions per call) and the answer's size rule is skipped (nothing would be
    /// compressed anyway).
    fn send_to(&self, headers: &http::HeaderMap) -> EnabledCompressionEncodings {
        let none = EnabledCompressionEncodings::default();
        if self.send.is_empty() {
            return none;
        }
        let Some(accepted) = headers
            .get(super::names::GRPC_ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
        else {
            return none;
        };
        let named = accepted.split(',').map(str::trim).any(|name| {
            ALL_ENCODINGS
                .iter()
                .any(|e| self.send.is_enabled(*e) && server::encoding_name(*e) == name)
        });
        if named { self.send } else { none }
    }
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig::new(&GrpcOptions::default())
    }
}

fn enabled(encodings: &[CompressionEncoding]) -> EnabledCompressionEncodings {
    let mut set = EnabledCompressionEncodings::default();
    for &encoding in encodings {
        set.enable(encoding);
    }
    set
}

/// The rpcs of one request and one response message: `P` the request (a domain message, or
/// `()`), `R` the message that carries the answer ([`Carries`]: the domain type itself, or a
/// `<Rpc>Response` wrapper). Each function serves one call of its kind: tonic's
/// [`tonic::server::Grpc`] decodes and frames, the runtime's per-call function
/// (`server::unary` and its siblings) validates, calls `handler` once, and encodes.
///
/// Each returns the call's future already boxed: boxed here, the proof that it is `Send` is
/// made once, for every rpc, when this crate is compiled; boxed in the generated adapter, rustc
/// made it again for each rpc of every generated crate, through the whole async call tree
/// (issue 17: the adapters were a seventh of the type checking of a generated crate).
pub struct Rpc<P, R>(PhantomData<fn(P) -> R>);

impl<P, R> Rpc<P, R>
where
    P: ProtoMessage + Validate + Send + 'static,
    R: ProtoMessage + Send + 'static,
{
    fn grpc<T: ProtoMessage + Send + 'static>(
        config: &ServiceConfig,
        send: EnabledCompressionEncodings,
    ) -> tonic::server::Grpc<Codec<T, P>> {
        tonic::server::Grpc::new(Codec::default())
            .apply_compression_config(config.accept, send)
            .apply_max_message_size_config(
                Some(config.max_decoding_message_size),
                Some(config.max_encoding_message_size),
            )
    }

    /// One unary call.
    pub fn unary<B, Out, E, F, Fut>(
        req: http::Request<B>,
        config: ServiceConfig,
        method: &'static str,
        handler: F,
    ) -> ResponseFuture
    where
        B: http_body::Body + Send + 'static,
        B::Error: Into<tonic::codegen::StdError> + Send,
        R: Carries<Out>,
        Out: 'static,
        E: IntoTonicStatus + 'static,
        F: FnOnce(Context, P) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Out, E>> + Send + 'static,
    {
        Box::pin(async move {
            let (send, answer) = config.one_answer(req.headers());
            let call = move |request| {
                server::unary::<P, Out, E, R, F, Fut>(request, method, answer, handler)
            };
            Ok(Self::grpc::<Encoded>(&config, send)
                .unary(Once(Some(call)), req)
                .await)
        })
    }

    /// One server-streaming call: its messages follow the stream's coding.
    pub fn server_streaming<B, Out, E, F, Fut>(
        req: http::Request<B>,
        config: ServiceConfig,
        method: &'static str,
        handler: F,
    ) -> ResponseFuture
    where
        B: http_body::Body + Send + 'static,
        B::Error: Into<tonic::codegen::StdError> + Send,
        R: Carries<Out> + 'static,
        Out: 'static,
        E: IntoTonicStatus + 'static,
        F: FnOnce(Context, P) -> Fut + Send + 'static,
        Fut: Future<Output = Result<crate::Streaming<Out, E>, E>> + Send + 'static,
    {
        Box::pin(async move {
            let deadline = server::caller_deadline(req.headers());
            let call = move |request| {
                server::server_streaming::<P, Out, E, R, F, Fut>(request, method, deadline, handler)
            };
            Ok(Self::grpc::<R>(&config, config.send_to(req.headers()))
                .server_streaming(Once(Some(call)), req)
                .await)
        })
    }

    /// One client-streaming call.
    pub fn client_streaming<B, Out, E, F, Fut>(
        req: http::Request<B>,
        config: ServiceConfig,
        method: &'static str,
        handler: F,
    ) -> ResponseFuture
    where
        B: http_body::Body + Send + 'static,
        B::Error: Into<tonic::codegen::StdError> + Send,
        R: Carries<Out>,
        Out: 'static,
        E: IntoTonicStatus + 'static,
        F: FnOnce(Context, crate::Streaming<P>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Out, E>> + Send + 'static,
    {
        Box::pin(async move {
            let (send, answer) = config.one_answer(req.headers());
            let call = move |request| {
                server::client_streaming::<P, Out, E, R, F, Fut>(request, method, answer, handler)
            };
            Ok(Self::grpc::<Encoded>(&config, send)
                .client_streaming(Once(Some(call)), req)
                .await)
        })
    }

    /// One bidirectional call.
    pub fn streaming<B, Out, E, F, Fut>(
        req: http::Request<B>,
        config: ServiceConfig,
        method: &'static str,
        handler: F,
    ) -> ResponseFuture
    where
        B: http_body::Body + Send + 'static,
        B::Error: Into<tonic::codegen::StdError> + Send,
        R: Carries<Out> + 'static,
        Out: 'static,
        E: IntoTonicStatus + 'static,
        F: FnOnce(Context, crate::Streaming<P>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<crate::Streaming<Out, E>, E>> + Send + 'static,
    {
        Box::pin(async move {
            let deadline = server::caller_deadline(req.headers());
            let call = move |request| {
                server::streaming::<P, Out, E, R, F, Fut>(request, method, deadline, handler)
            };
            Ok(Self::grpc::<R>(&config, config.send_to(req.headers()))
                .streaming(Once(Some(call)), req)
                .await)
        })
    }
}

/// A method of the service that it does not have: `UNIMPLEMENTED`, as tonic-build's servers
/// answer (the path was routed here by its service name).
pub fn unimplemented(path: &str) -> ResponseFuture {
    let status = tonic::Status::unimplemented(format!("no method `{path}` in this service"));
    Box::pin(std::future::ready(Ok(status.into_http())))
}

/// A one-shot function as the service tonic's [`tonic::server::Grpc`] calls: tonic calls it
/// exactly once per call, after decoding the request.
struct Once<F>(Option<F>);

impl<M, F, Fut, T> tower::Service<tonic::Request<M>> for Once<F>
where
    F: FnOnce(tonic::Request<M>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    type Response = tonic::Response<T>;
    type Error = tonic::Status;
    type Future = Fut;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), tonic::Status>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: tonic::Request<M>) -> Fut {
        // `Grpc::{unary, …}` call their service once; a second call would be a tonic bug.
        let handler = self
            .0
            .take()
            .expect("tonic calls a method's service once per call");
        handler(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_to(
        sent: &[CompressionEncoding],
        accept_encoding: Option<&str>,
    ) -> Vec<CompressionEncoding> {
        let config = ServiceConfig::new(&GrpcOptions {
            send_compression: sent.to_vec(),
            ..GrpcOptions::default()
        });
        let mut headers = http::HeaderMap::new();
        if let Some(value) = accept_encoding {
            headers.insert("grpc-accept-encoding", value.parse().unwrap());
        }
        let send = config.send_to(&headers);
        ALL_ENCODINGS
            .into_iter()
            .filter(|e| send.is_enabled(*e))
            .collect()
    }

    #[test]
    fn an_answer_is_sent_in_the_servers_codings_only_when_the_caller_names_one() {
        use CompressionEncoding::{Gzip, Zstd};
        assert_eq!(send_to(&[Gzip, Zstd], Some("identity, gzip")), [Gzip, Zstd]);
        assert_eq!(send_to(&[Gzip], Some("zstd,gzip")), [Gzip]);
        // A coding the server does not send, or none at all: nothing is compressed.
        assert!(send_to(&[Gzip], Some("zstd")).is_empty());
        assert!(send_to(&[Gzip], Some("identity")).is_empty());
        assert!(send_to(&[Gzip], None).is_empty());
        assert!(send_to(&[], Some("gzip")).is_empty());
    }
}

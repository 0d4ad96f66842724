//! What generated `GrpcClient`s call: connecting, sending an rpc over tonic's generic client
//! ([`Method`]), and turning responses back into domain values.

use std::future::Future;
use std::marker::PhantomData;

use tonic::GrpcMethod;
use tonic::codegen::http::uri::PathAndQuery;

use super::codec::Codec;

use super::convert::{FromProto, IntoProto};
use super::status::FromTonicStatus;
use crate::status::Status;
use crate::validate::Path;

/// Connects a channel to `url` (`http://127.0.0.1:8080`); a bad URL or a refused connection is
/// `UNAVAILABLE`.
pub async fn connect(url: impl Into<String>) -> Result<tonic::transport::Channel, Status> {
    let url = url.into();
    let endpoint = tonic::transport::Endpoint::from_shared(url.clone())
        .map_err(|e| Status::invalid_argument(format!("invalid gRPC URL `{url}`: {e}")))?;
    endpoint
        .connect()
        .await
        .map_err(|e| Status::unavailable(format!("cannot connect to `{url}`: {e}")))
}

/// The channel a generated `GrpcClient` calls through: tonic's generic client, which
/// [`Method`] sends each rpc with (tonic-build's per-service client is not generated).
pub type Channel = tonic::client::Grpc<tonic::transport::Channel>;

#[doc(hidden)]
/// One rpc as a generated client sends it: `P` its prost request message, `R` its prost
/// response message, `service` the full service name (`pkg.Service`), `method` the rpc's name,
/// `path` `/pkg.Service/Method`. Each function sends one call of its kind, as tonic-build's
/// client methods do (waiting for the channel to be ready, the method named in the request's
/// extensions for interceptors and layers).
pub struct Method<P, R> {
    /// The full service name.
    pub service: &'static str,
    /// The rpc's name in the .proto.
    pub method: &'static str,
    /// The HTTP/2 path of the call.
    pub path: &'static str,
    #[doc(hidden)]
    pub types: PhantomData<fn(P) -> R>,
}

impl<P, R> Method<P, R>
where
    P: prost::Message + Send + Sync + 'static,
    R: prost::Message + Default + Send + Sync + 'static,
{
    async fn ready<M>(
        &self,
        channel: &mut Channel,
        message: M,
    ) -> Result<(tonic::Request<M>, PathAndQuery), tonic::Status> {
        channel
            .ready()
            .await
            .map_err(|e| tonic::Status::unavailable(format!("the channel is not ready: {e}")))?;
        let mut request = tonic::Request::new(message);
        request
            .extensions_mut()
            .insert(GrpcMethod::new(self.service, self.method));
        Ok((request, PathAndQuery::from_static(self.path)))
    }

    /// Sends one unary call.
    pub async fn unary(
        self,
        mut channel: Channel,
        message: P,
    ) -> Result<tonic::Response<R>, tonic::Status> {
        let (request, path) = self.ready(&mut channel, message).await?;
        channel.unary(request, path, Codec::default()).await
    }

    /// Sends one server-streaming call.
    pub async fn server_streaming(
        self,
        mut channel: Channel,
        message: P,
    ) -> Result<tonic::Response<tonic::Streaming<R>>, tonic::Status> {
        let (request, path) = self.ready(&mut channel, message).await?;
        channel
            .server_streaming(request, path, Codec::default())
            .await
    }

    /// Sends one client-streaming call.
    pub async fn client_streaming(
        self,
        mut channel: Channel,
        messages: OutgoingMessages<P>,
    ) -> Result<tonic::Response<R>, tonic::Status> {
        let (request, path) = self.ready(&mut channel, messages).await?;
        channel
            .client_streaming(request, path, Codec::default())
            .await
    }

    /// Sends one bidirectional call.
    pub async fn streaming(
        self,
        mut channel: Channel,
        messages: OutgoingMessages<P>,
    ) -> Result<tonic::Response<tonic::Streaming<R>>, tonic::Status> {
        let (request, path) = self.ready(&mut channel, messages).await?;
        channel.streaming(request, path, Codec::default()).await
    }
}

/// The request messages of a client stream, as a generated client sends them.
pub type OutgoingMessages<P> = std::pin::Pin<Box<dyn futures_core::Stream<Item = P> + Send>>;

#[doc(hidden)]
/// A domain value from a response message; a message that is not a valid domain value is
/// `INTERNAL` (the server broke the contract).
#[inline]
pub fn decode_response<D: FromProto<P>, P>(message: P) -> Result<D, Status> {
    D::from_proto(message, &Path::Root)
        .map_err(|v| Status::internal(format!("invalid response from the server: {v}")))
}

#[doc(hidden)]
/// One unary call of a generated client, start to end: the domain request as its message, the
/// call (`send`, the tonic client's method), a failing status as the rpc's typed error, and the
/// response message read back ([`decode_response`]). The generated method is this one call.
pub async fn unary<Req, P, R, Out, E, F, Fut>(request: Req, send: F) -> Result<Out, E>
where
    Req: IntoProto<P>,
    F: FnOnce(P) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
    Out: FromProto<R>,
    E: FromTonicStatus + From<Status>,
{
    let response = send(request.into_proto())
        .await
        .map_err(E::from_tonic_status)?;
    decode_response(response.into_inner()).map_err(E::from)
}

#[doc(hidden)]
/// A response stream as the generated client returns it: each message read back
/// ([`decode_response`]: an invalid one is `INTERNAL`), a failing status as the rpc's typed
/// error, which ends it.
pub fn incoming<R, Out, E>(messages: tonic::Streaming<R>) -> crate::Streaming<Out, E>
where
    R: Send + 'static,
    Out: FromProto<R> + 'static,
    E: FromTonicStatus + From<Status> + 'static,
{
    use futures_util::StreamExt;
    Box::pin(crate::stream::FuseOnError::new(messages.map(
        move |item| match item {
            Ok(message) => decode_response(message).map_err(E::from),
            Err(status) => Err(E::from_tonic_status(status)),
        },
    )))
}

/// The request messages of a client stream, converted to prost as tonic pulls them (nothing is
/// read ahead of what HTTP/2 flow control lets through).
fn outgoing<Req, P>(
    requests: impl futures_core::Stream<Item = Req> + Send + 'static,
) -> impl futures_core::Stream<Item = P> + Send + 'static
where
    Req: IntoProto<P> + 'static,
    P: 'static,
{
    use futures_util::StreamExt;
    requests.map(IntoProto::into_proto)
}

#[doc(hidden)]
/// One server-streaming call of a generated client: the request as its message, the call, and
/// the response messages as a typed stream ([`incoming`]).
pub async fn server_streaming<Req, P, R, Out, E, F, Fut>(
    request: Req,
    send: F,
) -> Result<crate::Streaming<Out, E>, E>
where
    Req: IntoProto<P>,
    F: FnOnce(P) -> Fut,
    Fut: Future<Output = Result<tonic::Response<tonic::Streaming<R>>, tonic::Status>>,
    R: Send + 'static,
    Out: FromProto<R> + 'static,
    E: FromTonicStatus + From<Status> + 'static,
{
    let response = send(request.into_proto())
        .await
        .map_err(E::from_tonic_status)?;
    Ok(incoming(response.into_inner()))
}

#[doc(hidden)]
/// One client-streaming call of a generated client: the request stream, converted as it is
/// sent, and the one answer.
pub async fn client_streaming<Req, P, R, Out, E, S, F, Fut>(requests: S, send: F) -> Result<Out, E>
where
    S: futures_core::Stream<Item = Req> + Send + 'static,
    Req: IntoProto<P> + 'static,
    P: Send + 'static,
    F: FnOnce(OutgoingMessages<P>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
    Out: FromProto<R>,
    E: FromTonicStatus + From<Status>,
{
    let response = send(Box::pin(outgoing(requests)))
        .await
        .map_err(E::from_tonic_status)?;
    decode_response(response.into_inner()).map_err(E::from)
}

#[doc(hidden)]
/// One bidirectional call of a generated client: the request stream out, the typed response
/// stream back.
pub async fn streaming<Req, P, R, Out, E, S, F, Fut>(
    requests: S,
    send: F,
) -> Result<crate::Streaming<Out, E>, E>
where
    S: futures_core::Stream<Item = Req> + Send + 'static,
    Req: IntoProto<P> + 'static,
    P: Send + 'static,
    F: FnOnce(OutgoingMessages<P>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<tonic::Streaming<R>>, tonic::Status>>,
    R: Send + 'static,
    Out: FromProto<R> + 'static,
    E: FromTonicStatus + From<Status> + 'static,
{
    let response = send(Box::pin(outgoing(requests)))
        .await
        .map_err(E::from_tonic_status)?;
    Ok(incoming(response.into_inner()))
}

//! What generated `GrpcClient`s call: connecting, sending an rpc over tonic's generic client
//! ([`Method`]) with Rosetta's codec (requests encoded from the domain types, responses decoded
//! into them), and a failing status as the rpc's typed error.

use std::future::Future;
use std::marker::PhantomData;

use tonic::GrpcMethod;
use tonic::codegen::http::uri::PathAndQuery;

use super::codec::{Codec, Encoded, Responses};
use super::message::Carries;
use super::status::FromTonicStatus;
use crate::proto::ProtoMessage;
use crate::status::Status;

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
/// One rpc as a generated client sends it: `R` its response message (decoded by the codec),
/// `service` the full service name (`pkg.Service`), `method` the rpc's name, `path`
/// `/pkg.Service/Method`. Each function sends one call of its kind, as tonic-build's client
/// methods do (waiting for the channel to be ready, the method named in the request's
/// extensions for interceptors and layers).
pub struct Method<R> {
    /// The full service name.
    pub service: &'static str,
    /// The rpc's name in the .proto.
    pub method: &'static str,
    /// The HTTP/2 path of the call.
    pub path: &'static str,
    #[doc(hidden)]
    pub types: PhantomData<fn() -> R>,
}

impl<R> Method<R>
where
    R: ProtoMessage + Send + Sync + 'static,
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

    fn codec() -> Codec<Encoded, R, Responses> {
        Codec::default()
    }

    /// Sends one unary call.
    pub async fn unary(
        self,
        mut channel: Channel,
        message: Encoded,
    ) -> Result<tonic::Response<R>, tonic::Status> {
        let (request, path) = self.ready(&mut channel, message).await?;
        channel.unary(request, path, Self::codec()).await
    }

    /// Sends one server-streaming call.
    pub async fn server_streaming(
        self,
        mut channel: Channel,
        message: Encoded,
    ) -> Result<tonic::Response<tonic::Streaming<R>>, tonic::Status> {
        let (request, path) = self.ready(&mut channel, message).await?;
        channel.server_streaming(request, path, Self::codec()).await
    }

    /// Sends one client-streaming call.
    pub async fn client_streaming(
        self,
        mut channel: Channel,
        messages: OutgoingMessages,
    ) -> Result<tonic::Response<R>, tonic::Status> {
        let (request, path) = self.ready(&mut channel, messages).await?;
        channel.client_streaming(request, path, Self::codec()).await
    }

    /// Sends one bidirectional call.
    pub async fn streaming(
        self,
        mut channel: Channel,
        messages: OutgoingMessages,
    ) -> Result<tonic::Response<tonic::Streaming<R>>, tonic::Status> {
        let (request, path) = self.ready(&mut channel, messages).await?;
        channel.streaming(request, path, Self::codec()).await
    }
}

/// The request messages of a client stream, encoded, as a generated client sends them.
pub type OutgoingMessages = std::pin::Pin<Box<dyn futures_core::Stream<Item = Encoded> + Send>>;

#[doc(hidden)]
/// One unary call of a generated client, start to end: the domain request encoded, the call
/// (`send`, the tonic client's method), a failing status as the rpc's typed error, and the
/// value the response message carries. The generated method is this one call.
pub async fn unary<Req, R, Out, E, F, Fut>(request: Req, send: F) -> Result<Out, E>
where
    Req: ProtoMessage,
    F: FnOnce(Encoded) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
    R: Carries<Out>,
    E: FromTonicStatus,
{
    let response = send(Encoded::of(&request))
        .await
        .map_err(E::from_tonic_status)?;
    Ok(response.into_inner().unwrap())
}

#[doc(hidden)]
/// A response stream as the generated client returns it: each message's value (a message that
/// does not decode is `INTERNAL`, from the codec), a failing status as the rpc's typed error,
/// which ends it.
pub fn incoming<R, Out, E>(messages: tonic::Streaming<R>) -> crate::Streaming<Out, E>
where
    R: Carries<Out> + Send + 'static,
    Out: 'static,
    E: FromTonicStatus + 'static,
{
    use futures_util::StreamExt;
    Box::pin(crate::stream::FuseOnError::new(messages.map(
        move |item| match item {
            Ok(message) => Ok(message.unwrap()),
            Err(status) => Err(E::from_tonic_status(status)),
        },
    )))
}

/// The request messages of a client stream, encoded as tonic pulls them (nothing is read ahead
/// of what HTTP/2 flow control lets through).
fn outgoing<Req: ProtoMessage + 'static>(
    requests: impl futures_core::Stream<Item = Req> + Send + 'static,
) -> OutgoingMessages {
    use futures_util::StreamExt;
    Box::pin(requests.map(|request| Encoded::of(&request)))
}

#[doc(hidden)]
/// One server-streaming call of a generated client: the request encoded, the call, and the
/// response messages as a typed stream ([`incoming`]).
pub async fn server_streaming<Req, R, Out, E, F, Fut>(
    request: Req,
    send: F,
) -> Result<crate::Streaming<Out, E>, E>
where
    Req: ProtoMessage,
    F: FnOnce(Encoded) -> Fut,
    Fut: Future<Output = Result<tonic::Response<tonic::Streaming<R>>, tonic::Status>>,
    R: Carries<Out> + Send + 'static,
    Out: 'static,
    E: FromTonicStatus + 'static,
{
    let response = send(Encoded::of(&request))
        .await
        .map_err(E::from_tonic_status)?;
    Ok(incoming(response.into_inner()))
}

#[doc(hidden)]
/// One client-streaming call of a generated client: the request stream, encoded as it is sent,
/// and the one answer.
pub async fn client_streaming<Req, R, Out, E, S, F, Fut>(requests: S, send: F) -> Result<Out, E>
where
    S: futures_core::Stream<Item = Req> + Send + 'static,
    Req: ProtoMessage + 'static,
    F: FnOnce(OutgoingMessages) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
    R: Carries<Out>,
    E: FromTonicStatus,
{
    let response = send(outgoing(requests))
        .await
        .map_err(E::from_tonic_status)?;
    Ok(response.into_inner().unwrap())
}

#[doc(hidden)]
/// One bidirectional call of a generated client: the request stream out, the typed response
/// stream back.
pub async fn streaming<Req, R, Out, E, S, F, Fut>(
    requests: S,
    send: F,
) -> Result<crate::Streaming<Out, E>, E>
where
    S: futures_core::Stream<Item = Req> + Send + 'static,
    Req: ProtoMessage + 'static,
    F: FnOnce(OutgoingMessages) -> Fut,
    Fut: Future<Output = Result<tonic::Response<tonic::Streaming<R>>, tonic::Status>>,
    R: Carries<Out> + Send + 'static,
    Out: 'static,
    E: FromTonicStatus + 'static,
{
    let response = send(outgoing(requests))
        .await
        .map_err(E::from_tonic_status)?;
    Ok(incoming(response.into_inner()))
}

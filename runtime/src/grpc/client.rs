//! What generated `GrpcClient`s call: connecting, and turning responses back into domain values.

use std::future::Future;

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
    F: FnOnce(std::pin::Pin<Box<dyn futures_core::Stream<Item = P> + Send>>) -> Fut,
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
    F: FnOnce(std::pin::Pin<Box<dyn futures_core::Stream<Item = P> + Send>>) -> Fut,
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

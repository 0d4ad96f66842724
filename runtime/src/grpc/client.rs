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
/// response message read back by `decode`. The generated method is this one call.
pub async fn unary<Req, P, R, Out, E, F, Fut>(
    request: Req,
    send: F,
    decode: impl FnOnce(R) -> Result<Out, Status>,
) -> Result<Out, E>
where
    Req: IntoProto<P>,
    F: FnOnce(P) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
    E: FromTonicStatus + From<Status>,
{
    let response = send(request.into_proto())
        .await
        .map_err(E::from_tonic_status)?;
    decode(response.into_inner()).map_err(E::from)
}

//! What generated `GrpcClient`s call: connecting, and turning responses back into domain values.

use super::convert::FromProto;
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

/// A domain value from a response message; a message that is not a valid domain value is
/// `INTERNAL` (the server broke the contract).
#[inline]
pub fn decode_response<D: FromProto<P>, P>(message: P) -> Result<D, Status> {
    D::from_proto(message, &Path::Root)
        .map_err(|v| Status::internal(format!("invalid response from the server: {v}")))
}

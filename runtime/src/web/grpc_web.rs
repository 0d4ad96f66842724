//! gRPC-Web on the one port: tonic-web's [`GrpcWebService`] translates a gRPC-Web call (binary
//! `application/grpc-web[+proto]` or base64 `application/grpc-web-text[+proto]`, HTTP/1.1 or
//! HTTP/2) into a gRPC call on the same router the gRPC clients reach, and the answer back
//! (messages, then the trailers as a trailer frame; a trailers-only answer keeps its status in
//! the headers, as gRPC-Web allows).
//!
//! What is added around tonic-web: the content type is recognised by its media type (tonic-web
//! wants one of four exact strings, so a `; charset=…` parameter would make it refuse the call),
//! a codec other than protobuf (`+json`) is HTTP 415, and a body tonic-web cannot decode (bad
//! base64, a truncated base64 quantum) is `INVALID_ARGUMENT` like every other malformed request
//! body (tonic-web says `INTERNAL`).

use crate::grpc::server::GrpcService;
use axum::body::Body;
use http::{HeaderValue, Request, Response};
use http_body_util::BodyExt as _;
use tower::Layer as _;
use tower::util::MapRequest;

/// The gRPC router behind tonic-web.
pub(crate) type GrpcWeb = tonic_web::GrpcWebService<MapRequest<GrpcService, Rewrite>>;

type Rewrite = fn(Request<tonic::body::Body>) -> Request<Body>;

/// The gRPC-Web service over `grpc`, the router gRPC clients reach.
pub(crate) fn service(grpc: GrpcService) -> GrpcWeb {
    let rewrite: Rewrite = |req| req.map(|body| Body::new(body.map_err(malformed_is_invalid)));
    tonic_web::GrpcWebLayer::new().layer(MapRequest::new(grpc, rewrite))
}

/// tonic-web reports a body it cannot decode as `INTERNAL` ("tonic-web: …"); the request is
/// malformed, which Rosetta answers `INVALID_ARGUMENT` on every protocol.
fn malformed_is_invalid(status: tonic::Status) -> tonic::Status {
    if status.code() == tonic::Code::Internal && status.message().starts_with("tonic-web:") {
        tonic::Status::invalid_argument(format!(
            "malformed gRPC-Web request body ({})",
            status.message()
        ))
    } else {
        status
    }
}

/// The canonical gRPC-Web content type for a request's `content-type`, or `Err` with the codec
/// when it names one other than protobuf. Media types compare without regard to case, and
/// parameters are ignored.
pub(crate) fn canonical_content_type(content_type: &str) -> Result<&'static str, String> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/grpc-web" | "application/grpc-web+proto" => Ok("application/grpc-web+proto"),
        "application/grpc-web-text" | "application/grpc-web-text+proto" => {
            Ok("application/grpc-web-text+proto")
        }
        other => Err(other
            .split_once('+')
            .map_or_else(|| other.to_owned(), |(_, codec)| codec.to_owned())),
    }
}

/// Serves one gRPC-Web request through `service`.
pub(crate) async fn call(mut service: GrpcWeb, mut req: Request<Body>) -> Response<Body> {
    let content_type = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match canonical_content_type(content_type) {
        Ok(canonical) => {
            req.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(canonical),
            );
        }
        Err(codec) => {
            let mut resp = Response::new(Body::from(format!(
                "gRPC-Web codec `{codec}` is not supported: send application/grpc-web+proto or \
                 application/grpc-web-text+proto"
            )));
            *resp.status_mut() = http::StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return resp;
        }
    }
    req.extensions_mut().insert(crate::Protocol::GrpcWeb);
    match tower::Service::call(&mut service, req).await {
        Ok(resp) => resp.map(Body::new),
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_recognised_by_media_type() {
        for (ct, want) in [
            ("application/grpc-web", Ok("application/grpc-web+proto")),
            (
                "Application/gRPC-Web+proto; charset=x",
                Ok("application/grpc-web+proto"),
            ),
            (
                "application/grpc-web-text",
                Ok("application/grpc-web-text+proto"),
            ),
            ("application/grpc-web+json", Err("json".to_owned())),
        ] {
            assert_eq!(canonical_content_type(ct), want, "{ct}");
        }
    }

    #[test]
    fn undecodable_bodies_are_invalid_argument() {
        let s = malformed_is_invalid(tonic::Status::internal("tonic-web: malformed base64"));
        assert_eq!(s.code(), tonic::Code::InvalidArgument);
        let s = malformed_is_invalid(tonic::Status::internal("other"));
        assert_eq!(s.code(), tonic::Code::Internal);
    }
}

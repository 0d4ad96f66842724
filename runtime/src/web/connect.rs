//! The Connect protocol (connectrpc.com/docs/protocol), unary over POST, served by the same
//! gRPC services: a Connect request becomes an in-process gRPC call on the gRPC router (so the
//! framing check, size limits, deadlines, validation and typed errors are the gRPC path's own),
//! and the gRPC answer becomes a Connect answer.
//!
//! - Codecs: `application/proto` (the message as is) and `application/json`, the canonical
//!   protobuf JSON of the emitted .proto (lowerCamelCase names, 64-bit integers as strings,
//!   enums by name, well-known types in their JSON form), transcoded with prost-reflect's
//!   `DynamicMessage` from the descriptor sets the server holds for reflection. Unknown JSON
//!   fields are ignored, as connect-go does. Any other content type is HTTP 415 with
//!   `Accept-Post`.
//! - `Content-Encoding: gzip` (or `deflate`) requests are inflated within the size limit; an
//!   answer is gzipped when the client's `Accept-Encoding` lists gzip and it is at least the gRPC
//!   options' `compression_min_size`.
//! - `Connect-Timeout-Ms` becomes the call's `grpc-timeout`.
//! - Errors: Connect's JSON (`code`, `message`, `details` with `type` and unpadded base64
//!   `value`, from the gRPC `grpc-status-details-bin`), with the HTTP status of Connect's table.
//! - Response metadata: headers as headers, trailers as `trailer-<name>` headers.
//! - Unary GET (`?connect=v1&encoding=…&message=…`) for rpcs whose descriptor says
//!   `idempotency_level = NO_SIDE_EFFECTS`.
//!
//! Written here rather than taken from a crate: the Rust Connect implementations (connectrpc,
//! connect-rust) bring their own service traits and code generators, while Rosetta's services are
//! tonic services already; the translation is this one file.

use std::io::Write as _;
use std::sync::Arc;

use crate::grpc::server::GrpcService;
use axum::body::{Body, Bytes};
use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use prost::Message as _;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};
use tower::Service as _;

use crate::grpc::status::RpcStatus;
use crate::{Protocol, Status};

/// The content types a Connect unary call may carry, for `Accept-Post`.
const ACCEPT_POST: &str = "application/json, application/proto, application/connect+proto";

/// The Connect side of the server: the gRPC router it calls and what it needs to transcode.
pub(crate) struct Connect {
    grpc: GrpcService,
    pool: DescriptorPool,
    /// The largest request message (and compressed body), as for gRPC.
    max_message: usize,
    /// Answers smaller than this are not compressed.
    min_compress: usize,
}

/// A Connect codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Proto,
    Json,
}

impl Codec {
    fn content_type(self) -> &'static str {
        match self {
            Codec::Proto => "application/proto",
            Codec::Json => "application/json",
        }
    }
}

impl Connect {
    /// The Connect side over `grpc`, transcoding JSON with the messages of `descriptor_sets`
    /// (encoded `FileDescriptorSet`s; one that does not decode leaves its services proto-only).
    pub(crate) fn new(
        grpc: GrpcService,
        descriptor_sets: &[&'static [u8]],
        options: &crate::grpc::GrpcOptions,
    ) -> Self {
        let mut pool = DescriptorPool::new();
        for set in descriptor_sets {
            if let Err(e) = pool.decode_file_descriptor_set(*set) {
                tracing::warn!(error = %e, "a descriptor set could not be loaded: Connect JSON is off for its services");
            }
        }
        Connect {
            grpc,
            pool,
            max_message: options.max_decoding_message_size,
            min_compress: options.compression_min_size,
        }
    }

    /// The method at `path` (`/<package>.<Service>/<Method>`).
    fn method_descriptor(&self, path: &str) -> Option<prost_reflect::MethodDescriptor> {
        let (service, method) = path.strip_prefix('/')?.split_once('/')?;
        self.pool
            .get_service_by_name(service)?
            .methods()
            .find(|m| m.name() == method)
    }

    /// The method at `path`: its input and output messages.
    fn method(&self, path: &str) -> Option<(MessageDescriptor, MessageDescriptor)> {
        let m = self.method_descriptor(path)?;
        Some((m.input(), m.output()))
    }
}

/// Serves one Connect unary call.
pub(crate) async fn call(connect: Arc<Connect>, req: Request<Body>) -> Response<Body> {
    if req.method() == http::Method::GET {
        return get(&connect, req).await;
    }
    let codec = match codec_of(req.headers()) {
        Ok(c) => c,
        Err(media_type) if media_type == "application/connect+proto" => {
            return stream(&connect, req).await;
        }
        Err(media_type) => return unsupported(&media_type),
    };
    let (parts, body) = req.into_parts();
    let message = match read_message(&connect, &parts.headers, body).await {
        Ok(m) => m,
        Err(status) => return error_response(&status),
    };
    translate(&connect, codec, parts, message)
        .await
        .unwrap_or_else(|status| error_response(&status))
}

/// A unary GET (`?connect=v1&encoding=json|proto&message=…[&base64=1][&compression=gzip]`),
/// served for rpcs whose descriptor says `idempotency_level = NO_SIDE_EFFECTS` (Rosetta emits it
/// for rpcs bound to `@http(GET, …)`); other rpcs answer 405 with `Allow: POST`.
async fn get(connect: &Connect, req: Request<Body>) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let side_effect_free = connect
        .method_descriptor(parts.uri.path())
        .and_then(|m| m.method_descriptor_proto().options.clone())
        .and_then(|o| o.idempotency_level)
        == Some(prost_types::method_options::IdempotencyLevel::NoSideEffects as i32);
    if !side_effect_free {
        let mut resp = Response::new(Body::from(format!(
            "{} may have side effects: call it with POST (GET is for rpcs bound to @http(GET))",
            parts.uri.path()
        )));
        *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        resp.headers_mut()
            .insert(http::header::ALLOW, HeaderValue::from_static("POST"));
        return resp;
    }
    let query = query_pairs(parts.uri.query().unwrap_or_default());
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let codec = match param("encoding").map(Vec::as_slice) {
        Some(b"json") => Codec::Json,
        Some(b"proto") => Codec::Proto,
        Some(other) => return unsupported(&String::from_utf8_lossy(other)),
        None => {
            return error_response(&Status::invalid_argument(
                "a Connect GET needs an `encoding` parameter (json or proto)",
            ));
        }
    };
    let message = match decode_get_message(
        connect,
        param("message"),
        param("base64"),
        param("compression"),
    ) {
        Ok(m) => m,
        Err(status) => return error_response(&status),
    };
    translate(connect, codec, parts, message)
        .await
        .unwrap_or_else(|status| error_response(&status))
}

/// A GET's `message` parameter: URL-safe base64 when `base64=1` (padding optional), then
/// inflated when `compression` names gzip or deflate.
fn decode_get_message(
    connect: &Connect,
    message: Option<&Vec<u8>>,
    base64: Option<&Vec<u8>>,
    compression: Option<&Vec<u8>>,
) -> Result<Vec<u8>, Status> {
    let message = message
        .ok_or_else(|| Status::invalid_argument("a Connect GET needs a `message` parameter"))?;
    let message = if base64.is_some_and(|b| b == b"1") {
        URL_B64.decode(message).map_err(|e| {
            Status::invalid_argument(format!(
                "the `message` parameter is not URL-safe base64: {e}"
            ))
        })?
    } else {
        message.clone()
    };
    let coding = match compression.map(Vec::as_slice) {
        None | Some(b"identity") => return Ok(message),
        Some(b"gzip") => crate::body::Coding::Gzip,
        Some(b"deflate") => crate::body::Coding::Deflate,
        Some(other) => {
            return Err(Status::unimplemented(format!(
                "compression {} is not supported: use gzip or deflate",
                String::from_utf8_lossy(other)
            )));
        }
    };
    crate::body::decode_codings(message, &[coding], connect.max_message)
        .map_err(|e| Status::invalid_argument(e.to_string()))
}

/// A query string's `name=value` pairs, percent-decoded (`+` is a space, as in forms).
fn query_pairs(query: &str) -> Vec<(String, Vec<u8>)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode_bytes(&s.replace('+', " "));
            (String::from_utf8_lossy(&decode(k)).into_owned(), decode(v))
        })
        .collect()
}

/// Connect GET's `message` with `base64=1`: the URL-safe alphabet, padding optional.
const URL_B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// The codec of a request's content type, or `Err` with its media type.
fn codec_of(headers: &HeaderMap) -> Result<Codec, String> {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mt = crate::body::media_type(content_type).to_ascii_lowercase();
    match mt.as_str() {
        "application/proto" => Ok(Codec::Proto),
        "application/json" => Ok(Codec::Json),
        _ => Err(mt),
    }
}

/// HTTP 415 for a content type Connect is not served with (`application/connect+json`
/// among them: streaming calls are served with the proto codec only).
fn unsupported(media_type: &str) -> Response<Body> {
    let mut resp = Response::new(Body::from(format!(
        "Connect unary calls are served with {ACCEPT_POST}, not `{media_type}`"
    )));
    *resp.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
    resp.headers_mut()
        .insert("accept-post", HeaderValue::from_static(ACCEPT_POST));
    resp
}

async fn translate(
    connect: &Connect,
    codec: Codec,
    parts: http::request::Parts,
    message: Vec<u8>,
) -> Result<Response<Body>, Status> {
    if let Some(v) = parts.headers.get("connect-protocol-version")
        && v.as_bytes() != b"1"
    {
        return Err(Status::invalid_argument(format!(
            "Connect-Protocol-Version {} is not supported (only 1)",
            String::from_utf8_lossy(v.as_bytes())
        )));
    }
    let timeout = match parts.headers.get("connect-timeout-ms") {
        None => None,
        Some(v) => Some(parse_timeout(v.as_bytes()).ok_or_else(|| {
            Status::invalid_argument(
                "Connect-Timeout-Ms must be a positive integer of at most 10 digits",
            )
        })?),
    };
    let method = connect.method(parts.uri.path());
    let message = match codec {
        Codec::Proto => message,
        Codec::Json => {
            let (input, _) = method
                .clone()
                .ok_or_else(|| unknown_method(parts.uri.path()))?;
            json_to_proto(input, &message)?
        }
    };

    // The in-process gRPC call.
    let mut grpc = Request::post(parts.uri.clone());
    let headers = grpc.headers_mut().expect("a fresh builder has headers");
    copy_headers(&parts.headers, headers, &[], forwarded);
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    headers.insert(http::header::TE, HeaderValue::from_static("trailers"));
    if let Some(ms) = timeout {
        headers.insert("grpc-timeout", grpc_timeout(ms));
    }
    let mut framed = Vec::with_capacity(message.len() + 5);
    framed.push(0);
    framed.extend_from_slice(
        &u32::try_from(message.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    framed.extend_from_slice(&message);
    let mut grpc = grpc
        .body(Body::from(framed))
        .map_err(|e| Status::internal(format!("building the gRPC call: {e}")))?;
    *grpc.extensions_mut() = parts.extensions;
    grpc.extensions_mut().insert(Protocol::Connect);
    let answer = match connect.grpc.clone().call(grpc).await {
        Ok(a) => a,
        Err(never) => match never {},
    };

    let (answer_parts, answer_body) = answer.into_parts();
    let collected = answer_body
        .collect()
        .await
        .map_err(|e| Status::internal(format!("the gRPC answer broke off: {e}")))?;
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let data = collected.to_bytes();
    let field = |name: &str| {
        trailers
            .get(name)
            .or_else(|| answer_parts.headers.get(name))
            .and_then(|v| v.to_str().ok())
    };
    let code: i32 = field("grpc-status")
        .and_then(|c| c.parse().ok())
        .unwrap_or(2); // UNKNOWN: a gRPC answer with no status
    let mut resp = if code == 0 {
        let payload = single_message(&data)?;
        let body = match codec {
            Codec::Proto => payload.to_vec(),
            Codec::Json => {
                let (_, output) = method.ok_or_else(|| unknown_method(parts.uri.path()))?;
                proto_to_json(output, payload)?
            }
        };
        success(
            codec,
            body,
            accepts_gzip(&parts.headers),
            connect.min_compress,
        )
    } else {
        let message = percent_decode(field("grpc-message").unwrap_or_default());
        let details = field("grpc-status-details-bin")
            .and_then(|d| DETAILS_B64.decode(d).ok())
            .and_then(|d| RpcStatus::decode(&d[..]).ok())
            .map(|s| s.details)
            .unwrap_or_default();
        connect_error(code, &message, &details)
    };
    // Metadata: the handler's headers as headers, its trailers as `trailer-` headers.
    let headers = resp.headers_mut();
    copy_headers(&answer_parts.headers, headers, &[], metadata);
    for (name, value) in &trailers {
        if metadata(name)
            && let Ok(n) = HeaderName::from_bytes(format!("trailer-{name}").as_bytes())
        {
            headers.append(n, value.clone());
        }
    }
    Ok(resp)
}

/// A Connect streaming call (`application/connect+proto`): Connect's envelopes are gRPC's
/// length-prefixed messages (flag 1 compressed, a 4-byte length), so the request body passes
/// through as the gRPC body, with `Connect-Content-Encoding`, `Connect-Accept-Encoding` and
/// `Connect-Timeout-Ms` renamed to their gRPC headers; the answer's messages pass through too,
/// and its trailers (or a trailers-only status) become the end-of-stream envelope (flag 2, JSON
/// with `error` and `metadata`). Any stream shape works this way: server reflection over Connect
/// (what `buf curl --protocol connect` asks first) is bidirectional.
async fn stream(connect: &Connect, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let mut grpc = Request::post(parts.uri.clone());
    let headers = grpc.headers_mut().expect("a fresh builder has headers");
    copy_headers(&parts.headers, headers, CONNECT_TO_GRPC, forwarded);
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc+proto"),
    );
    headers.insert(http::header::TE, HeaderValue::from_static("trailers"));
    if let Some(v) = parts.headers.get("connect-timeout-ms") {
        match parse_timeout(v.as_bytes()) {
            Some(ms) => {
                headers.insert("grpc-timeout", grpc_timeout(ms));
            }
            None => {
                return error_response(&Status::invalid_argument(
                    "Connect-Timeout-Ms must be a positive integer of at most 10 digits",
                ));
            }
        }
    }
    let mut grpc = match grpc.body(body) {
        Ok(r) => r,
        Err(e) => return error_response(&Status::internal(format!("building the call: {e}"))),
    };
    *grpc.extensions_mut() = parts.extensions;
    grpc.extensions_mut().insert(Protocol::Connect);
    let answer = match connect.grpc.clone().call(grpc).await {
        Ok(a) => a,
        Err(never) => match never {},
    };
    let (mut answer_parts, answer_body) = answer.into_parts();
    // A trailers-only answer carries its status in the headers.
    let status_in_headers = answer_parts
        .headers
        .contains_key("grpc-status")
        .then(|| answer_parts.headers.clone());
    let mut headers = HeaderMap::new();
    copy_headers(
        &answer_parts.headers,
        &mut headers,
        GRPC_TO_CONNECT,
        metadata,
    );
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/connect+proto"),
    );
    answer_parts.headers = headers;
    answer_parts.status = StatusCode::OK;
    let body = EndOfStream {
        inner: answer_body,
        status_in_headers,
        done: false,
    };
    Response::from_parts(answer_parts, Body::new(body))
}

/// A gRPC answer body as a Connect stream: messages as they are, then the end-of-stream
/// envelope from the trailers.
struct EndOfStream {
    inner: Body,
    status_in_headers: Option<HeaderMap>,
    done: bool,
}

impl EndOfStream {
    fn end(&mut self, trailers: Option<&HeaderMap>) -> http_body::Frame<Bytes> {
        self.done = true;
        let fields = trailers.or(self.status_in_headers.as_ref());
        let field = |name: &str| {
            fields
                .and_then(|f| f.get(name))
                .and_then(|v| v.to_str().ok())
        };
        let mut json = serde_json::json!({});
        let code: i32 = field("grpc-status")
            .and_then(|c| c.parse().ok())
            .unwrap_or(2);
        if code != 0 {
            let message = percent_decode(field("grpc-message").unwrap_or_default());
            let details = field("grpc-status-details-bin")
                .and_then(|d| DETAILS_B64.decode(d).ok())
                .and_then(|d| RpcStatus::decode(&d[..]).ok())
                .map(|s| s.details)
                .unwrap_or_default();
            json["error"] = error_json(code, &message, &details);
        }
        if let Some(trailers) = trailers {
            let mut metadata_json = serde_json::Map::new();
            for (name, value) in trailers {
                if metadata(name) {
                    let entry = metadata_json
                        .entry(name.as_str())
                        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                    if let (serde_json::Value::Array(list), Ok(v)) = (entry, value.to_str()) {
                        list.push(v.into());
                    }
                }
            }
            if !metadata_json.is_empty() {
                json["metadata"] = metadata_json.into();
            }
        }
        let text = json.to_string();
        let mut envelope = Vec::with_capacity(text.len() + 5);
        envelope.push(2);
        envelope.extend_from_slice(&u32::try_from(text.len()).unwrap_or(0).to_be_bytes());
        envelope.extend_from_slice(text.as_bytes());
        http_body::Frame::data(Bytes::from(envelope))
    }
}

impl http_body::Body for EndOfStream {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        use std::task::Poll;
        if self.done {
            return Poll::Ready(None);
        }
        match std::pin::Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_trailers() {
                Ok(trailers) => Poll::Ready(Some(Ok(self.end(Some(&trailers))))),
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            Poll::Ready(None) => Poll::Ready(Some(Ok(self.end(None)))),
            Poll::Ready(Some(Err(e))) => {
                let mut t = HeaderMap::new();
                t.insert("grpc-status", HeaderValue::from_static("13"));
                if let Ok(v) = HeaderValue::from_str(&format!("the answer broke off: {e}")) {
                    t.insert("grpc-message", v);
                }
                Poll::Ready(Some(Ok(self.end(Some(&t)))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

/// `grpc-status-details-bin` is base64, with or without padding.
const DETAILS_B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Connect's `details[].value`: base64 without padding.
const VALUE_B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;

/// Connect's streaming headers and the gRPC headers they stand for, request direction.
const CONNECT_TO_GRPC: &[(&str, &str)] = &[
    ("connect-content-encoding", "grpc-encoding"),
    ("connect-accept-encoding", "grpc-accept-encoding"),
];

/// The same pairs, answer direction.
const GRPC_TO_CONNECT: &[(&str, &str)] = &[
    ("grpc-encoding", "connect-content-encoding"),
    ("grpc-accept-encoding", "connect-accept-encoding"),
];

/// Copies headers between the Connect and gRPC sides of a call: a header named in `renames`
/// arrives under its counterpart's name, any other passes through unchanged when `keep` says so.
/// One rule for both directions, so the request and answer translations cannot drift apart.
fn copy_headers(
    from: &HeaderMap,
    to: &mut HeaderMap,
    renames: &[(&str, &'static str)],
    keep: fn(&HeaderName) -> bool,
) {
    for (name, value) in from {
        match renames.iter().find(|(from, _)| name.as_str() == *from) {
            Some((_, renamed)) => {
                to.append(*renamed, value.clone());
            }
            None if keep(name) => {
                to.append(name.clone(), value.clone());
            }
            None => {}
        }
    }
}

fn unknown_method(path: &str) -> Status {
    Status::unimplemented(format!("no method at {path}"))
}

/// Request headers passed on to the gRPC call: metadata and authentication, not the Connect
/// or HTTP framing ones (which the translation sets itself).
fn forwarded(name: &HeaderName) -> bool {
    let n = name.as_str();
    !(n.starts_with("connect-")
        || n.starts_with("grpc-")
        || matches!(
            n,
            "content-type"
                | "content-length"
                | "content-encoding"
                | "accept-encoding"
                | "accept"
                | "te"
                | "transfer-encoding"
                | "connection"
        ))
}

/// Answer headers and trailers that are the handler's metadata, not gRPC framing.
fn metadata(name: &HeaderName) -> bool {
    let n = name.as_str();
    !(n.starts_with("grpc-")
        || matches!(
            n,
            "content-type" | "content-length" | "content-encoding" | "te" | "transfer-encoding"
        ))
}

/// `Connect-Timeout-Ms`: a positive integer of at most 10 digits.
fn parse_timeout(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 10 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// The `grpc-timeout` for `ms` milliseconds (at most 8 digits: larger values in seconds).
fn grpc_timeout(ms: u64) -> HeaderValue {
    let text = if ms <= 99_999_999 {
        format!("{ms}m")
    } else {
        format!("{}S", ms.div_ceil(1000))
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("0m"))
}

/// Reads the request body within the size limit, undoing its content coding.
async fn read_message(
    connect: &Connect,
    headers: &HeaderMap,
    body: Body,
) -> Result<Vec<u8>, Status> {
    let codings = crate::body::content_codings(headers).map_err(|e| {
        Status::unimplemented(format!("{e}: Connect requests may use gzip or deflate"))
    })?;
    let limit = connect.max_message;
    let raw = http_body_util::Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                Status::new(
                    crate::ErrorKind::ResourceExhausted,
                    format!("the request body is larger than {limit} bytes"),
                )
            } else {
                Status::invalid_argument(format!("the request body could not be read: {e}"))
            }
        })?
        .to_bytes();
    if codings.is_empty() {
        return Ok(raw.to_vec());
    }
    crate::body::decode_codings(raw.to_vec(), &codings, limit).map_err(|e| {
        if matches!(e.kind, crate::body::BodyErrorKind::TooLarge { .. }) {
            Status::new(
                crate::ErrorKind::ResourceExhausted,
                format!("the request body inflates past {limit} bytes"),
            )
        } else {
            Status::invalid_argument(e.to_string())
        }
    })
}

/// Canonical protobuf JSON → the binary message.
fn json_to_proto(input: MessageDescriptor, json: &[u8]) -> Result<Vec<u8>, Status> {
    // An empty body is the empty message (`{}`), as connect-go reads it.
    let json: &[u8] = if json.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        json
    };
    let mut de = serde_json::Deserializer::from_slice(json);
    let options = prost_reflect::DeserializeOptions::new().deny_unknown_fields(false);
    let message = DynamicMessage::deserialize_with_options(input.clone(), &mut de, &options)
        .and_then(|m| de.end().map(|()| m))
        .map_err(|e| {
            Status::invalid_argument(format!(
                "the request is not a valid {} in protobuf JSON: {e}",
                input.full_name()
            ))
        })?;
    Ok(message.encode_to_vec())
}

/// The binary message → canonical protobuf JSON.
fn proto_to_json(output: MessageDescriptor, payload: &[u8]) -> Result<Vec<u8>, Status> {
    let message = DynamicMessage::decode(output, payload)
        .map_err(|e| Status::internal(format!("the answer does not decode: {e}")))?;
    let mut out = Vec::new();
    message
        .serialize_with_options(
            &mut serde_json::Serializer::new(&mut out),
            &prost_reflect::SerializeOptions::new(),
        )
        .map_err(|e| Status::internal(format!("the answer does not encode as JSON: {e}")))?;
    Ok(out)
}

/// The one message of a successful unary gRPC answer.
fn single_message(data: &Bytes) -> Result<&[u8], Status> {
    if data.len() < 5 {
        return Err(Status::internal("the gRPC answer has no message"));
    }
    if data[0] != 0 {
        return Err(Status::internal("the gRPC answer is compressed"));
    }
    let len = u32::from_be_bytes([data[1], data[2], data[3], data[4]]) as usize;
    data.get(5..5 + len)
        .filter(|_| data.len() == 5 + len)
        .ok_or_else(|| Status::internal("the gRPC answer is not one message"))
}

/// True when the client's `Accept-Encoding` lists gzip (with a non-zero weight).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(http::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|c| {
            let mut parts = c.split(';').map(str::trim);
            parts.next().is_some_and(|n| n.eq_ignore_ascii_case("gzip"))
                && !parts.any(|p| p.replace(' ', "").starts_with("q=0") && !p.contains("q=0."))
        })
}

fn success(codec: Codec, body: Vec<u8>, gzip: bool, min_compress: usize) -> Response<Body> {
    let compressed = if gzip && body.len() >= min_compress {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&body).ok().and_then(|()| e.finish().ok())
    } else {
        None
    };
    let mut resp = Response::new(Body::empty());
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(codec.content_type()),
    );
    match compressed {
        Some(z) => {
            h.insert(
                http::header::CONTENT_ENCODING,
                HeaderValue::from_static("gzip"),
            );
            *resp.body_mut() = Body::from(z);
        }
        None => *resp.body_mut() = Body::from(body),
    }
    resp
}

/// Connect's name and HTTP status for gRPC code `code` (the protocol's table).
fn code_name_and_status(code: i32) -> (&'static str, u16) {
    match code {
        1 => ("canceled", 499),
        3 => ("invalid_argument", 400),
        4 => ("deadline_exceeded", 504),
        5 => ("not_found", 404),
        6 => ("already_exists", 409),
        7 => ("permission_denied", 403),
        8 => ("resource_exhausted", 429),
        9 => ("failed_precondition", 400),
        10 => ("aborted", 409),
        11 => ("out_of_range", 400),
        12 => ("unimplemented", 501),
        13 => ("internal", 500),
        14 => ("unavailable", 503),
        15 => ("data_loss", 500),
        16 => ("unauthenticated", 401),
        _ => ("unknown", 500),
    }
}

/// A Connect error answer: the JSON body and the HTTP status of Connect's table.
fn connect_error(code: i32, message: &str, details: &[prost_types::Any]) -> Response<Body> {
    let (_, http) = code_name_and_status(code);
    let body = error_json(code, message, details);
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = StatusCode::from_u16(http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Connect's error JSON: `code`, `message`, `details` (`type`, unpadded base64 `value`).
fn error_json(code: i32, message: &str, details: &[prost_types::Any]) -> serde_json::Value {
    let (name, _) = code_name_and_status(code);
    let mut body = serde_json::json!({ "code": name });
    if !message.is_empty() {
        body["message"] = message.into();
    }
    if !details.is_empty() {
        body["details"] = details
            .iter()
            .map(|d| {
                let ty = d.type_url.rsplit('/').next().unwrap_or_default();
                serde_json::json!({ "type": ty, "value": VALUE_B64.encode(&d.value) })
            })
            .collect();
    }
    body
}

/// A failure raised before or around the gRPC call (authentication, timeout, a malformed
/// request) as a Connect error, with constraint violations as a `google.rpc.BadRequest` detail
/// as on gRPC.
pub(crate) fn error_response(status: &Status) -> Response<Body> {
    let tonic = crate::grpc::status::status_to_tonic(status.clone());
    let details = crate::grpc::status::rpc_status(&tonic)
        .map(|s| s.details)
        .unwrap_or_default();
    let mut resp = connect_error(tonic.code() as i32, status.message(), &details);
    if status.kind() == crate::ErrorKind::Unauthenticated {
        resp.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer"),
        );
    }
    resp
}

/// Undoes `grpc-message`'s percent-encoding (invalid escapes are kept as they are). Ten lines
/// rather than the `percent-encoding` crate, which only the `rest` feature brings.
fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s)).into_owned()
}

/// Percent-decoding to bytes (invalid escapes kept as they are).
fn percent_decode_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|c| hex(*c)),
            b.get(i + 2).and_then(|c| hex(*c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_codes_follow_the_spec() {
        assert_eq!(parse_timeout(b"1500"), Some(1500));
        assert_eq!(parse_timeout(b"9999999999"), Some(9_999_999_999));
        for bad in [&b""[..], b"12345678901", b"-1", b"1.5", b" 1"] {
            assert_eq!(parse_timeout(bad), None, "{bad:?}");
        }
        assert_eq!(grpc_timeout(1500), "1500m");
        assert_eq!(grpc_timeout(9_999_999_999), "10000000S");
        assert_eq!(code_name_and_status(5), ("not_found", 404));
        assert_eq!(code_name_and_status(9), ("failed_precondition", 400));
        assert_eq!(code_name_and_status(99), ("unknown", 500));
        assert_eq!(percent_decode("a%20b%zz%C3%A9"), "a b%zzé");
    }

    #[test]
    fn gzip_is_accepted_unless_refused() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert("accept-encoding", HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(accepts_gzip(&h("gzip")));
        assert!(accepts_gzip(&h("br, GZIP;q=0.5")));
        assert!(!accepts_gzip(&h("gzip;q=0")));
        assert!(!accepts_gzip(&h("identity")));
    }
}

//! The XML-RPC HTTP client that generated `XmlRpcClient`s call: one `POST` per call on a pooled
//! HTTP/1.1 connection (hyper-util's client), gzip responses read within the decoding
//! [`Limits`], faults turned into the rpc's typed error.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rosetta_runtime::Status> {
//! use rosetta_runtime::xmlrpc::{Value, client::Client};
//!
//! let client = Client::new("http://127.0.0.1:8080/RPC2");
//! let sum: i32 = client
//!     .call::<i32, rosetta_runtime::Status>("add", vec![Value::Int(2), Value::Int(3)])
//!     .await?;
//! assert_eq!(sum, 5);
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::glue::XmlRpcError;
use super::{
    Fault, FromXmlRpc, Limits, Value, decode_method_response, decompress_gzip_limited,
    encode_method_call,
};
use crate::error::ErrorKind;
use crate::status::Status;

/// The path Python's `ServerProxy` uses when the URL has none.
const DEFAULT_PATH: &str = "/RPC2";

/// An XML-RPC client for one endpoint URL. Cloning is cheap and shares the connection pool.
#[derive(Clone)]
pub struct Client {
    http: HttpClient<HttpConnector, Full<Bytes>>,
    uri: Result<Uri, String>,
    limits: Limits,
    timeout: Option<Duration>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("uri", &self.uri)
            .field("limits", &self.limits)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// The default time a call may take: 30 seconds.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// A client of the endpoint at `url` (`http://host:port/RPC2`; like Python's `ServerProxy`,
    /// a URL without a path means `/RPC2`). Only `http` URLs are supported. An invalid URL is
    /// reported by every call, as an `invalid_argument` status.
    pub fn new(url: &str) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Client {
            http: HttpClient::builder(TokioExecutor::new()).build(connector),
            uri: parse_url(url),
            limits: Limits::default(),
            timeout: Some(Self::DEFAULT_TIMEOUT),
        }
    }

    /// Sets how long a call may take in all (`None`: no limit).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the limits responses are decoded with (body size after gzip, nesting depth).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The endpoint URL, or why it is invalid.
    pub fn url(&self) -> Result<&Uri, &str> {
        self.uri.as_ref().map_err(String::as_str)
    }

    /// Calls `method` and converts the answer: the result as `T`, a fault as `E` (a declared
    /// error or a [`Status`]), and a transport failure as a [`Status`]
    /// (`unavailable`, `deadline_exceeded`, ...) converted into `E`.
    pub async fn call<T: FromXmlRpc, E: XmlRpcError>(
        &self,
        method: &str,
        params: Vec<Value>,
    ) -> Result<T, E> {
        match self.call_value(method, &params).await? {
            Ok(v) => T::from_xmlrpc(&v).map_err(|e| {
                E::from(Status::internal(format!(
                    "the response of {method} does not convert: {e}"
                )))
            }),
            Err(fault) => Err(E::from_fault(fault)),
        }
    }

    /// Calls `method`: the value or fault the server answered, or a [`Status`] when there was no
    /// XML-RPC answer (connection refused, timeout, an HTTP error, a malformed response).
    pub async fn call_value(
        &self,
        method: &str,
        params: &[Value],
    ) -> Result<Result<Value, Fault>, Status> {
        let uri = self
            .uri
            .as_ref()
            .map_err(|e| Status::invalid_argument(e.clone()))?;
        let body = encode_method_call(method, params);
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri.clone())
            .header(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"))
            .header(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"))
            .header(
                header::USER_AGENT,
                HeaderValue::from_static("rosetta-xmlrpc"),
            )
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Status::invalid_argument(format!("cannot build the request: {e}")))?;
        let exchange = self.exchange(request);
        let bytes = match self.timeout {
            Some(t) => tokio::time::timeout(t, exchange).await.map_err(|_| {
                Status::deadline_exceeded(format!("{method}: no answer within {t:?}"))
            })??,
            None => exchange.await?,
        };
        decode_method_response(&bytes, &self.limits)
            .map_err(|e| Status::internal(format!("invalid XML-RPC response to {method}: {e}")))
    }

    /// Sends the request and reads the (possibly gzip) body within the limits.
    async fn exchange(&self, request: Request<Full<Bytes>>) -> Result<Vec<u8>, Status> {
        let response = self.http.request(request).await.map_err(|e| {
            let what = if e.is_connect() {
                "cannot connect"
            } else {
                "transport error"
            };
            Status::unavailable(format!("{what}: {}", error_chain(&e)))
        })?;
        let status = response.status();
        if status != StatusCode::OK {
            return Err(Status::new(
                http_status_kind(status),
                format!("the server answered HTTP {status}"),
            ));
        }
        let gzip = response
            .headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("gzip") || v.eq_ignore_ascii_case("x-gzip"));
        let limit = self.limits.max_body_size;
        let body = Limited::new(response.into_body(), limit)
            .collect()
            .await
            .map_err(|e| body_error(&*e, limit))?
            .to_bytes();
        if gzip {
            decompress_gzip_limited(&body, limit)
                .map_err(|e| Status::internal(format!("response body: {e}")))
        } else {
            Ok(body.to_vec())
        }
    }
}

/// The status for a response body that could not be read.
fn body_error(e: &(dyn std::error::Error + Send + Sync + 'static), limit: usize) -> Status {
    if e.is::<http_body_util::LengthLimitError>() {
        Status::new(
            ErrorKind::ResourceExhausted,
            format!("the response is larger than the limit of {limit} bytes"),
        )
    } else {
        Status::unavailable(format!("reading the response: {}", error_chain(e)))
    }
}

/// The kind for a non-200 HTTP answer.
fn http_status_kind(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 | 405 | 501 => ErrorKind::Unimplemented,
        408 | 504 => ErrorKind::DeadlineExceeded,
        413 | 429 => ErrorKind::ResourceExhausted,
        400..=499 => ErrorKind::InvalidArgument,
        502 | 503 => ErrorKind::Unavailable,
        _ => ErrorKind::Internal,
    }
}

/// An error and its sources, `a: b: c`.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Parses an `http://` URL, defaulting the path to `/RPC2`.
fn parse_url(url: &str) -> Result<Uri, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("invalid XML-RPC URL {url:?}: {e}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some(other) => {
            return Err(format!(
                "unsupported scheme {other:?} in {url:?}: only http is supported"
            ));
        }
        None => return Err(format!("invalid XML-RPC URL {url:?}: no scheme")),
    }
    if uri.authority().is_none() {
        return Err(format!("invalid XML-RPC URL {url:?}: no host"));
    }
    let has_path = uri
        .path_and_query()
        .is_some_and(|p| p.as_str() != "/" && !p.as_str().is_empty());
    if has_path {
        return Ok(uri);
    }
    let mut parts = uri.into_parts();
    parts.path_and_query = Some(http::uri::PathAndQuery::from_static(DEFAULT_PATH));
    Uri::from_parts(parts).map_err(|e| format!("invalid XML-RPC URL {url:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://127.0.0.1:8080").unwrap().to_string(),
            "http://127.0.0.1:8080/RPC2"
        );
        assert_eq!(
            parse_url("http://127.0.0.1:8080/").unwrap().to_string(),
            "http://127.0.0.1:8080/RPC2"
        );
        assert_eq!(
            parse_url("http://h/xmlrpc.php").unwrap().to_string(),
            "http://h/xmlrpc.php"
        );
        assert!(parse_url("https://h/").unwrap_err().contains("only http"));
        assert!(parse_url("not a url").is_err());
        assert!(parse_url("/RPC2").is_err());
    }

    #[test]
    fn http_errors_map_to_kinds() {
        assert_eq!(
            http_status_kind(StatusCode::PAYLOAD_TOO_LARGE),
            ErrorKind::ResourceExhausted
        );
        assert_eq!(
            http_status_kind(StatusCode::NOT_FOUND),
            ErrorKind::Unimplemented
        );
        assert_eq!(
            http_status_kind(StatusCode::SERVICE_UNAVAILABLE),
            ErrorKind::Unavailable
        );
    }
}

//! CORS for the one-port server: which browser origins may call it, answered by tower-http's
//! [`CorsLayer`] in front of everything else, so a preflight (`OPTIONS` with
//! `Access-Control-Request-Method`) is answered before authentication and before any protocol
//! is chosen, and every response (REST, XML-RPC, gRPC-Web, Connect, errors and refusals
//! included) carries the CORS headers.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// The response headers a browser script may read besides the CORS-safelisted ones: what
/// gRPC-Web clients read the status from (a trailers-only answer carries it in headers),
/// the compression negotiation of gRPC and Connect, and what a REST client needs to follow up
/// (`www-authenticate`, `location`, `retry-after`).
pub const EXPOSED_HEADERS: [&str; 10] = [
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    "grpc-encoding",
    "grpc-accept-encoding",
    "connect-content-encoding",
    "connect-accept-encoding",
    "www-authenticate",
    "location",
    "retry-after",
];

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(7200);

/// Which browser origins may call the server ([`crate::server::Server::cors`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    /// `None`: any origin.
    origins: Option<Vec<HeaderValue>>,
}

/// An origin given to [`Cors::origins`] that is not `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidOrigin(pub String);

impl std::fmt::Display for InvalidOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not an origin (scheme://host[:port], no path)",
            self.0
        )
    }
}

impl std::error::Error for InvalidOrigin {}

impl Cors {
    /// Every origin may call (`Access-Control-Allow-Origin: *`): for public, token-less APIs and
    /// development. Browsers then send no cookies; an `Authorization` header still works.
    pub fn any() -> Self {
        Cors { origins: None }
    }

    /// Only these origins (`https://app.example.com`, `http://127.0.0.1:5173`) may call; others
    /// get no CORS headers, so the browser keeps the answer from the page.
    pub fn origins<I, S>(origins: I) -> Result<Self, InvalidOrigin>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list = Vec::new();
        for origin in origins {
            let origin = origin.as_ref().trim();
            let valid = origin.split_once("://").is_some_and(|(scheme, rest)| {
                !scheme.is_empty()
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
                    && !rest.is_empty()
                    && !rest.contains('/')
            });
            match HeaderValue::from_str(origin) {
                Ok(v) if valid => list.push(v),
                _ => return Err(InvalidOrigin(origin.to_owned())),
            }
        }
        Ok(Cors {
            origins: Some(list),
        })
    }

    /// True when every origin may call.
    pub fn allows_any(&self) -> bool {
        self.origins.is_none()
    }

    /// The tower-http layer: the origins, every method REST routes use, whatever request
    /// headers the browser asks for (`authorization`, `x-grpc-web`, `connect-protocol-version`,
    /// `grpc-timeout`, ...), [`EXPOSED_HEADERS`], and a two-hour preflight cache.
    pub fn layer(&self) -> CorsLayer {
        let origin = match &self.origins {
            None => AllowOrigin::any(),
            Some(list) => AllowOrigin::list(list.iter().cloned()),
        };
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers(AllowHeaders::mirror_request())
            .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
            .max_age(PREFLIGHT_MAX_AGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        assert!(Cors::origins(["http://127.0.0.1:5173", "https://a.example"]).is_ok());
        for bad in [
            "127.0.0.1:5173",
            "http://a.example/path",
            "http://",
            "*",
            "a b://c",
        ] {
            assert_eq!(
                Cors::origins([bad]),
                Err(InvalidOrigin(bad.into())),
                "{bad}"
            );
        }
        assert!(Cors::any().allows_any());
    }
}

//! RFC 9457 problem details (`application/problem+json`): how every REST failure is written, and
//! how the client reads it back.
//!
//! A declared IDL error is a problem whose `type` is `urn:rosetta:error:<full name>` and whose
//! extension members are the error's fields; any other failure (a [`Status`]) is an
//! `about:blank` problem. Both carry the canonical `kind`, and a validation failure lists every
//! violation in `violations`.

use std::fmt;

#[cfg(feature = "server")]
use axum::body::Body;
#[cfg(feature = "server")]
use axum::response::{IntoResponse, Response};
#[cfg(feature = "server")]
use http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ErrorKind;
use crate::status::{Declared, DeclaredError, Probe, RpcError, Status, Visitor};
use crate::validate::Violation;

/// The media type of every error response.
pub const PROBLEM_JSON: &str = "application/problem+json";

pub use crate::error::{DECLARED_TYPE_PREFIX, RESERVED_MEMBERS};

/// The problem `type` of anything that is not a declared error (RFC 9457's default).
pub const ABOUT_BLANK: &str = "about:blank";

/// An RFC 9457 problem detail object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// `urn:rosetta:error:<full name>` for a declared error, `about:blank` otherwise.
    #[serde(rename = "type", default = "about_blank")]
    pub type_uri: String,
    /// The declared error's name, or the HTTP reason phrase for `about:blank`.
    #[serde(default)]
    pub title: String,
    /// The HTTP status code, repeated in the body.
    #[serde(default)]
    pub status: u16,
    /// What went wrong this time, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The canonical error kind (`not_found`); kept as text so a newer server's kinds still parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Every constraint violation, for a validation failure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// Extension members: a declared error's fields, or `line`/`column` of malformed JSON.
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
}

fn about_blank() -> String {
    ABOUT_BLANK.to_string()
}

/// The reason phrase of a status, including the non-standard 499 that `cancelled` maps to.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        499 => "Client Closed Request",
        s => http::StatusCode::from_u16(s)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error"),
    }
}

/// The kind a bare HTTP status stands for, when a response carries no problem body (a proxy's
/// 502, say): the first kind of the table with that status, `internal` for 500, else `unknown`.
pub fn kind_for_status(status: u16) -> ErrorKind {
    if status == 500 {
        return ErrorKind::Internal;
    }
    ErrorKind::ALL
        .iter()
        .copied()
        .find(|k| k.http_status() == status)
        .unwrap_or(ErrorKind::Unknown)
}

impl Problem {
    /// An `about:blank` problem of `kind` with the kind's status.
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self::with_status(kind.http_status(), kind, detail)
    }

    /// An `about:blank` problem with an explicit status (405, 413, 415: protocol failures that
    /// have no kind of their own).
    pub fn with_status(status: u16, kind: ErrorKind, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: about_blank(),
            title: reason_phrase(status).to_string(),
            status,
            detail: Some(detail.into()),
            kind: Some(kind.name().to_string()),
            violations: Vec::new(),
            extensions: Map::new(),
        }
    }

    /// The problem for a [`Status`]: its kind's HTTP status, its message and its violations.
    pub fn from_status(status: &Status) -> Self {
        let mut p = Self::new(status.kind(), status.message());
        p.violations = status.violations().to_vec();
        p
    }

    /// The problem for a declared error: its type URI, name, status and fields.
    ///
    /// `full_name` is the error's IDL full name (`shop.common.NotFound`). A field that cannot be
    /// written as JSON (which generated types never have) leaves the fields out rather than fail.
    pub fn declared<E: DeclaredError + Serialize>(error: &E, full_name: &str) -> Self {
        let extensions = match serde_json::to_value(error) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        };
        Problem {
            type_uri: format!("{DECLARED_TYPE_PREFIX}{full_name}"),
            title: E::NAME.to_string(),
            status: E::HTTP_STATUS,
            detail: Some(error.to_string()),
            kind: Some(E::KIND.name().to_string()),
            violations: Vec::new(),
            extensions,
        }
    }

    /// The declared error's full name, if this is one (`shop.common.NotFound`).
    pub fn declared_name(&self) -> Option<&str> {
        self.type_uri.strip_prefix(DECLARED_TYPE_PREFIX)
    }

    /// The canonical kind: the `kind` member, else the one the HTTP status stands for.
    pub fn error_kind(&self) -> ErrorKind {
        self.kind
            .as_deref()
            .and_then(ErrorKind::from_name)
            .unwrap_or_else(|| kind_for_status(self.status))
    }

    /// The problem as a [`Status`]: its kind, detail (or title) and violations.
    pub fn into_status(self) -> Status {
        if !self.violations.is_empty() {
            return Status::from_violations(self.violations);
        }
        let kind = self.error_kind();
        let message = self.detail.unwrap_or(self.title);
        Status::new(kind, message)
    }

    /// The declared error's fields decoded as `E`; a [`Status`] saying why when they do not fit.
    pub fn decode<E: serde::de::DeserializeOwned>(&self) -> Result<E, Status> {
        serde_json::from_value(Value::Object(self.extensions.clone())).map_err(|e| {
            Status::new(
                self.error_kind(),
                format!(
                    "the server's `{}` problem does not decode: {e}",
                    self.type_uri
                ),
            )
        })
    }

    /// The HTTP response: the status, `content-type: application/problem+json` and the body.
    #[cfg(feature = "server")]
    pub fn into_http(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| {
            // Only a non-string map key could fail, and problems have none; stay valid anyway.
            format!(
                r#"{{"type":"about:blank","title":"Error","status":{}}}"#,
                status.as_u16()
            )
            .into_bytes()
        });
        let mut resp = Response::new(Body::from(body));
        *resp.status_mut() = status;
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        resp
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "{} {}: {d}", self.status, self.title),
            None => write!(f, "{} {}", self.status, self.title),
        }
    }
}

#[cfg(feature = "server")]
impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        self.into_http()
    }
}

/// An rpc's error type as a problem: implemented for [`Status`] here and for every generated
/// `<Rpc>Error` enum.
pub trait IntoProblem {
    /// The problem the server answers with.
    fn into_problem(self) -> Problem;
}

impl<E: RpcError> IntoProblem for E {
    fn into_problem(self) -> Problem {
        struct ToProblem;
        impl Visitor for ToProblem {
            type Output = Problem;
            fn declared<D: Declared>(self, error: &D) -> Problem {
                Problem::declared(error, D::FULL_NAME)
            }
            fn status(self, status: &Status) -> Problem {
                Problem::from_status(status)
            }
        }
        self.visit(ToProblem)
    }
}

/// An rpc's error type rebuilt by the client from a problem (or a transport failure):
/// implemented for [`Status`] here and for every generated `<Rpc>Error` enum.
pub trait FromProblem: Sized {
    /// The typed error for a problem the server sent.
    fn from_problem(problem: Problem) -> Self;

    /// The typed error for a failure that is not a problem (connection refused, bad JSON).
    fn from_status(status: Status) -> Self;
}

impl<E: RpcError> FromProblem for E {
    fn from_problem(problem: Problem) -> Self {
        /// The declared error the problem names, decoded; a problem that names it but does not
        /// decode is a `Status` (the `Err` kept for the caller).
        struct FromProblem<'a>(&'a Problem, std::cell::RefCell<Option<Status>>);
        impl Probe for FromProblem<'_> {
            fn probe<D: Declared>(&self) -> Option<D> {
                if self.0.declared_name() != Some(D::FULL_NAME) {
                    return None;
                }
                match self.0.decode::<D>() {
                    Ok(e) => Some(e),
                    Err(s) => {
                        *self.1.borrow_mut() = Some(s);
                        None
                    }
                }
            }
        }
        let probe = FromProblem(&problem, std::cell::RefCell::new(None));
        if let Some(e) = E::probe(&probe) {
            return e;
        }
        match probe.1.into_inner() {
            Some(s) => E::from(s),
            None => E::from(problem.into_status()),
        }
    }

    fn from_status(status: Status) -> Self {
        E::from(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
    struct NotFound {
        resource: String,
        id: String,
    }

    impl fmt::Display for NotFound {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{:?}", self)
        }
    }

    impl std::error::Error for NotFound {}

    impl DeclaredError for NotFound {
        const NAME: &'static str = "NotFound";
        const FULL_NAME: &'static str = "shop.common.NotFound";
        const KIND: ErrorKind = ErrorKind::NotFound;
        const HTTP_STATUS: u16 = 404;
        const FAULT_CODE: i32 = 5;
    }

    #[test]
    fn declared_errors_round_trip() {
        let e = NotFound {
            resource: "product".into(),
            id: "p1".into(),
        };
        let p = Problem::declared(&e, "shop.common.NotFound");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "urn:rosetta:error:shop.common.NotFound");
        assert_eq!(json["title"], "NotFound");
        assert_eq!(json["status"], 404);
        assert_eq!(json["kind"], "not_found");
        assert_eq!(json["resource"], "product");
        assert!(json.get("violations").is_none());
        let back: Problem = serde_json::from_value(json).unwrap();
        assert_eq!(back.declared_name(), Some("shop.common.NotFound"));
        assert_eq!(back.decode::<NotFound>().unwrap(), e);
    }

    #[test]
    fn statuses_round_trip_with_violations() {
        let s = Status::from_violations(vec![Violation {
            field: "name".into(),
            rule: "length".into(),
            message: "length must be at least 1, got 0".into(),
        }]);
        let p = Problem::from_status(&s);
        assert_eq!(p.status, 400);
        assert_eq!(p.title, "Bad Request");
        assert_eq!(p.type_uri, ABOUT_BLANK);
        let text = serde_json::to_string(&p).unwrap();
        let back: Problem = serde_json::from_str(&text).unwrap();
        assert_eq!(back.into_status(), s);
        let plain = Problem::from_status(&Status::unavailable("down")).into_status();
        assert_eq!(plain, Status::unavailable("down"));
    }

    #[test]
    fn foreign_problems_still_parse() {
        let p: Problem = serde_json::from_str(r#"{"status": 503, "kind": "brand_new"}"#).unwrap();
        assert_eq!(p.error_kind(), ErrorKind::Unavailable);
        assert_eq!(kind_for_status(409), ErrorKind::AlreadyExists);
        assert_eq!(kind_for_status(500), ErrorKind::Internal);
        assert_eq!(kind_for_status(418), ErrorKind::Unknown);
        assert_eq!(reason_phrase(499), "Client Closed Request");
    }
}

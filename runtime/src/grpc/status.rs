//! Errors ↔ [`tonic::Status`], with Google's rich error model in the details.
//!
//! The status code is the kind's gRPC code. `grpc-status-details-bin` carries a `google.rpc.Status`
//! (code, message, details) whose details are:
//! - for a declared IDL error, the error's own message (emitted in the `.proto`) packed in an `Any`
//!   with type URL `type.googleapis.com/<package>.<Error>`, so any client can decode its fields;
//! - for constraint violations, a `google.rpc.BadRequest` with one field violation per problem.
//!
//! Python reads it with `grpc_status.rpc_status.from_call(error)`; the generated Rust client turns
//! it back into the rpc's typed error.

use prost::Message;

use crate::proto::ProtoMessage;

use crate::error::ErrorKind;
use crate::status::{Declared, DeclaredError, Probe, RpcError, Status, Visitor};
use crate::validate::Violation;

/// The prefix of every type URL Rosetta writes.
pub const TYPE_URL_PREFIX: &str = "type.googleapis.com/";

/// `google.rpc.Status`.
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    /// The gRPC code.
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// The developer-facing message.
    #[prost(string, tag = "2")]
    pub message: String,
    /// Typed details.
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<prost_types::Any>,
}

/// `google.rpc.BadRequest`.
#[derive(Clone, PartialEq, Message)]
pub struct BadRequest {
    /// Every problem found in the request.
    #[prost(message, repeated, tag = "1")]
    pub field_violations: Vec<FieldViolation>,
}

/// `google.rpc.BadRequest.FieldViolation`.
#[derive(Clone, PartialEq, Message)]
pub struct FieldViolation {
    /// The path of the field, `lines[2].quantity`.
    #[prost(string, tag = "1")]
    pub field: String,
    /// What is wrong.
    #[prost(string, tag = "2")]
    pub description: String,
    /// The rule broken (`range`, `length`, `pattern`, `proto`): google.rpc's `reason`.
    #[prost(string, tag = "3")]
    pub reason: String,
}

/// The full name of `google.rpc.BadRequest`.
pub const BAD_REQUEST: &str = "google.rpc.BadRequest";

/// The tonic code of a kind.
pub fn code(kind: ErrorKind) -> tonic::Code {
    tonic::Code::from_i32(kind.grpc_code())
}

fn with_details(kind: ErrorKind, message: String, details: Vec<prost_types::Any>) -> tonic::Status {
    let code = code(kind);
    if details.is_empty() {
        return tonic::Status::new(code, message);
    }
    let body = RpcStatus {
        code: code as i32,
        message: message.clone(),
        details,
    };
    tonic::Status::with_details(code, message, body.encode_to_vec().into())
}

/// A [`Status`] as a tonic status; violations go into a `google.rpc.BadRequest` detail.
pub fn status_to_tonic(s: Status) -> tonic::Status {
    let details = if s.violations().is_empty() {
        Vec::new()
    } else {
        let bad = BadRequest {
            field_violations: s
                .violations()
                .iter()
                .map(|v| FieldViolation {
                    field: v.field.clone(),
                    description: v.message.clone(),
                    reason: v.rule.clone(),
                })
                .collect(),
        };
        vec![prost_types::Any {
            type_url: format!("{TYPE_URL_PREFIX}{BAD_REQUEST}"),
            value: bad.encode_to_vec(),
        }]
    };
    with_details(s.kind(), s.message().to_string(), details)
}

/// The `google.rpc.Status` in a tonic status's details, if it has one.
pub fn rpc_status(s: &tonic::Status) -> Option<RpcStatus> {
    if s.details().is_empty() {
        return None;
    }
    RpcStatus::decode(s.details()).ok()
}

/// The detail of type `type_name` in a tonic status, decoded as `P`.
pub fn detail<P: Message + Default>(s: &tonic::Status, type_name: &str) -> Option<P> {
    let status = rpc_status(s)?;
    status
        .details
        .iter()
        .find(|a| self::type_name(&a.type_url) == type_name)
        .and_then(|a| P::decode(a.value.as_slice()).ok())
}

/// The message name of a type URL: what follows its last `/`.
fn type_name(type_url: &str) -> &str {
    type_url.rsplit_once('/').map_or(type_url, |(_, name)| name)
}

/// A tonic status as a [`Status`]: the kind of its code, its message, and the violations of a
/// `google.rpc.BadRequest` detail.
pub fn tonic_to_status(s: &tonic::Status) -> Status {
    let kind = ErrorKind::from_grpc_code(s.code() as i32);
    let violations: Vec<Violation> = detail::<BadRequest>(s, BAD_REQUEST)
        .map(|b| {
            b.field_violations
                .into_iter()
                .map(|v| Violation {
                    field: v.field,
                    rule: v.reason,
                    message: v.description,
                })
                .collect()
        })
        .unwrap_or_default();
    if kind == ErrorKind::InvalidArgument && !violations.is_empty() {
        Status::from_violations(violations)
    } else {
        Status::new(kind, s.message())
    }
}

/// An rpc's error as a tonic status: implemented for every [`RpcError`] (`Status` and every
/// generated `<Rpc>Error`); a declared error travels as its own message in the details.
pub trait IntoTonicStatus {
    /// Converts.
    fn into_tonic_status(self) -> tonic::Status;
}

impl<E: RpcError> IntoTonicStatus for E {
    fn into_tonic_status(self) -> tonic::Status {
        struct ToTonic;
        impl Visitor for ToTonic {
            type Output = tonic::Status;
            fn declared<D: Declared>(self, error: &D) -> tonic::Status {
                let details = error.__grpc_detail().into_iter().collect();
                with_details(D::KIND, error.to_string(), details)
            }
            fn status(self, status: &Status) -> tonic::Status {
                status_to_tonic(status.clone())
            }
        }
        self.visit(ToTonic)
    }
}

/// An rpc's error from a tonic status: implemented for every [`RpcError`], which recognizes its
/// declared errors in the details.
pub trait FromTonicStatus {
    /// Converts.
    fn from_tonic_status(status: tonic::Status) -> Self;
}

impl<E: RpcError> FromTonicStatus for E {
    fn from_tonic_status(status: tonic::Status) -> Self {
        struct FromTonic<'a>(&'a tonic::Status);
        impl Probe for FromTonic<'_> {
            fn probe<D: Declared>(&self) -> Option<D> {
                D::__from_grpc_status(self.0)
            }
        }
        E::probe(&FromTonic(&status)).unwrap_or_else(|| E::from(tonic_to_status(&status)))
    }
}

/// A declared error's message packed for the details (what generated `DeclaredError` impls with
/// gRPC glue return from `__grpc_detail`): type URL `type.googleapis.com/<full name>`.
pub fn declared_detail<E>(error: &E) -> Option<prost_types::Any>
where
    E: DeclaredError + ProtoMessage,
{
    Some(prost_types::Any {
        type_url: format!("{TYPE_URL_PREFIX}{}", E::FULL_NAME),
        value: crate::proto::encode(error),
    })
}

/// The declared error `E` in a status's details, if there is one that decodes (what generated
/// `DeclaredError` impls with gRPC glue return from `__from_grpc_status`).
pub fn declared_from_status<E>(status: &tonic::Status) -> Option<E>
where
    E: DeclaredError + ProtoMessage,
{
    let any = rpc_status(status)?
        .details
        .into_iter()
        .find(|a| type_name(&a.type_url) == E::FULL_NAME)?;
    crate::proto::decode(&any.value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_round_trip_through_bad_request() {
        let s = Status::from_violations(vec![Violation {
            field: "lines[0].quantity".into(),
            rule: "range".into(),
            message: "must be at least 1".into(),
        }]);
        let t = status_to_tonic(s.clone());
        assert_eq!(t.code(), tonic::Code::InvalidArgument);
        let back = tonic_to_status(&t);
        assert_eq!(back.kind(), ErrorKind::InvalidArgument);
        assert_eq!(back.violations(), s.violations());
    }

    #[test]
    fn plain_status_has_no_details() {
        let t = status_to_tonic(Status::not_found("no such thing"));
        assert_eq!(t.code(), tonic::Code::NotFound);
        assert!(t.details().is_empty());
        assert_eq!(tonic_to_status(&t), Status::not_found("no such thing"));
    }

    #[test]
    fn garbage_details_are_ignored() {
        let t =
            tonic::Status::with_details(tonic::Code::Internal, "x", bytes_of(&[0xff, 0xff, 0xff]));
        assert_eq!(tonic_to_status(&t).kind(), ErrorKind::Internal);
        assert!(detail::<BadRequest>(&t, BAD_REQUEST).is_none());
    }

    fn bytes_of(b: &[u8]) -> tonic::codegen::Bytes {
        tonic::codegen::Bytes::copy_from_slice(b)
    }
}

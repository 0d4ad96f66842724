//! [`Status`]: an error with a canonical kind and a message — what a service returns for failures
//! that are not declared IDL errors (bad input, internal faults, authentication), and what every
//! protocol maps to its own codes through [`ErrorKind`].

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ErrorKind;
use crate::validate::Violation;

/// A failure with a canonical kind, a message and, for invalid input, every violation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    kind: ErrorKind,
    message: String,
    violations: Vec<Violation>,
}

impl Status {
    /// A status of any kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Status {
            kind,
            message: message.into(),
            violations: Vec::new(),
        }
    }

    /// `invalid_argument` listing every constraint violation.
    pub fn from_violations(violations: Vec<Violation>) -> Self {
        let message = match violations.as_slice() {
            [one] => format!("invalid input: {one}"),
            many => format!("invalid input: {} violations", many.len()),
        };
        Status {
            kind: ErrorKind::InvalidArgument,
            message,
            violations,
        }
    }

    /// `invalid_argument`.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    /// `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// `internal`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// `unauthenticated`.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, message)
    }

    /// `permission_denied`.
    pub fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::PermissionDenied, message)
    }

    /// `unavailable`.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// `deadline_exceeded`.
    pub fn deadline_exceeded(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::DeadlineExceeded, message)
    }

    /// `unimplemented`.
    pub fn unimplemented(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unimplemented, message)
    }

    /// The canonical kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The constraint violations, for `invalid_argument` from validation.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Status {}

/// A declared IDL error type: its kind and protocol codes, fixed by the IDL.
pub trait DeclaredError: std::error::Error + Send + Sync + 'static {
    /// The IDL name (`NotFound`).
    const NAME: &'static str;
    /// The IDL full name (`shop.common.NotFound`): the REST problem type and the gRPC detail's
    /// message name.
    const FULL_NAME: &'static str;
    /// The canonical kind.
    const KIND: ErrorKind;
    /// The HTTP status (the kind's unless the IDL overrides it).
    const HTTP_STATUS: u16;
    /// The XML-RPC faultCode (the kind's unless the IDL overrides it).
    const FAULT_CODE: i32;

    /// The error's own protobuf message, packed for a `google.rpc.Status` detail. Generated code
    /// with gRPC glue overrides this (the prost type lives next to it); `None` otherwise.
    #[cfg(feature = "grpc")]
    #[doc(hidden)]
    fn __grpc_detail(&self) -> Option<prost_types::Any> {
        None
    }

    /// The error in a gRPC status's details, if it carries one that decodes. Generated code with
    /// gRPC glue overrides this; `None` otherwise.
    #[cfg(feature = "grpc")]
    #[doc(hidden)]
    fn __from_grpc_status(status: &tonic::Status) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = status;
        None
    }
}

/// What every protocol needs of a declared error: its constants, and its fields as JSON both
/// ways (blanket-implemented for every generated error type).
pub trait Declared: DeclaredError + Clone + Serialize + DeserializeOwned {}

impl<E: DeclaredError + Clone + Serialize + DeserializeOwned> Declared for E {}

/// An rpc's error type: [`Status`] for an rpc that declares no error, the generated
/// `<Rpc>Error` enum otherwise (one variant per declared error, plus `Status`).
///
/// This is the one description of an rpc's errors the protocols read: the generated enum only
/// says which variant holds which declared error (`visit`, `probe`); the mapping to faults,
/// problems and gRPC statuses, both ways, is written once in each protocol's runtime module
/// against this trait.
pub trait RpcError: From<Status> + Sized {
    /// Calls `visitor` with the declared error this is, or with its status.
    fn visit<V: Visitor>(&self, visitor: V) -> V::Output;

    /// The first declared error `probe` finds, trying them in declaration order; `None` when
    /// none is found (the caller then reads a plain [`Status`]).
    fn probe<P: Probe>(probe: &P) -> Option<Self>;

    /// The canonical kind of the failure.
    fn kind(&self) -> ErrorKind {
        struct Kind;
        impl Visitor for Kind {
            type Output = ErrorKind;
            fn declared<E: Declared>(self, _: &E) -> ErrorKind {
                E::KIND
            }
            fn status(self, status: &Status) -> ErrorKind {
                status.kind()
            }
        }
        self.visit(Kind)
    }

    /// `Display` for the error: the declared error's, or the status's.
    fn display(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Show<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl Visitor for Show<'_, '_> {
            type Output = fmt::Result;
            fn declared<E: Declared>(self, error: &E) -> fmt::Result {
                fmt::Display::fmt(error, self.0)
            }
            fn status(self, status: &Status) -> fmt::Result {
                fmt::Display::fmt(status, self.0)
            }
        }
        self.visit(Show(f))
    }
}

/// A function of whichever error an [`RpcError`] holds (one per protocol direction).
pub trait Visitor {
    /// What it computes.
    type Output;
    /// For a declared error.
    fn declared<E: Declared>(self, error: &E) -> Self::Output;
    /// For any other failure.
    fn status(self, status: &Status) -> Self::Output;
}

/// A reader of one declared error type from a protocol's error (a fault, a problem, a status).
pub trait Probe {
    /// The error as `E`, if it is one.
    fn probe<E: Declared>(&self) -> Option<E>;
}

impl RpcError for Status {
    fn visit<V: Visitor>(&self, visitor: V) -> V::Output {
        visitor.status(self)
    }

    fn probe<P: Probe>(_: &P) -> Option<Self> {
        None
    }
}

//! [`Status`]: an error with a canonical kind and a message — what a service returns for failures
//! that are not declared IDL errors (bad input, internal faults, authentication), and what every
//! protocol maps to its own codes through [`ErrorKind`].

use std::fmt;

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
    /// The canonical kind.
    const KIND: ErrorKind;
    /// The HTTP status (the kind's unless the IDL overrides it).
    const HTTP_STATUS: u16;
    /// The XML-RPC faultCode (the kind's unless the IDL overrides it).
    const FAULT_CODE: i32;
}

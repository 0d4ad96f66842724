//! The canonical error kinds and their one mapping table to HTTP, gRPC and XML-RPC.
//!
//! Every protocol answers a declared IDL error with the codes of its kind; the code generator reads
//! the same table (for OpenAPI responses, say), so the four protocols cannot drift apart.

use std::fmt;

/// A canonical error kind, named as in the IDL (`error NotFound: not_found { ... }`).
///
/// The set and numbering are gRPC's canonical status codes, the most widely shared vocabulary.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The caller cancelled the call.
    Cancelled,
    /// An error nothing more specific describes.
    Unknown,
    /// The request is invalid whatever the state of the system (a failed constraint, a malformed value).
    InvalidArgument,
    /// The call's deadline passed before it finished.
    DeadlineExceeded,
    /// Something the call names does not exist.
    NotFound,
    /// Something the call would create exists already.
    AlreadyExists,
    /// The caller is known but may not do this.
    PermissionDenied,
    /// A limit was reached: a quota, a size, a rate.
    ResourceExhausted,
    /// The system is not in the state the call needs.
    FailedPrecondition,
    /// The call was aborted, typically by a concurrency conflict; retrying may succeed.
    Aborted,
    /// A value is past the valid range of the current state (reading past the end).
    OutOfRange,
    /// The operation is not implemented or not enabled.
    Unimplemented,
    /// An invariant of the server broke.
    Internal,
    /// The service cannot answer now; retrying later may succeed.
    Unavailable,
    /// Data was lost or corrupted beyond recovery.
    DataLoss,
    /// The call carries no valid credentials.
    Unauthenticated,
}

/// One row of the mapping table.
struct Row {
    kind: ErrorKind,
    name: &'static str,
    grpc: i32,
    http: u16,
}

/// The table: IDL name, gRPC code, HTTP status. The XML-RPC faultCode of a kind is its gRPC code
/// (1–16), which keeps it clear of the -32xxx protocol faults and equal to what gRPC clients see.
const TABLE: &[Row] = &[
    Row {
        kind: ErrorKind::Cancelled,
        name: "cancelled",
        grpc: 1,
        http: 499,
    },
    Row {
        kind: ErrorKind::Unknown,
        name: "unknown",
        grpc: 2,
        http: 500,
    },
    Row {
        kind: ErrorKind::InvalidArgument,
        name: "invalid_argument",
        grpc: 3,
        http: 400,
    },
    Row {
        kind: ErrorKind::DeadlineExceeded,
        name: "deadline_exceeded",
        grpc: 4,
        http: 504,
    },
    Row {
        kind: ErrorKind::NotFound,
        name: "not_found",
        grpc: 5,
        http: 404,
    },
    Row {
        kind: ErrorKind::AlreadyExists,
        name: "already_exists",
        grpc: 6,
        http: 409,
    },
    Row {
        kind: ErrorKind::PermissionDenied,
        name: "permission_denied",
        grpc: 7,
        http: 403,
    },
    Row {
        kind: ErrorKind::ResourceExhausted,
        name: "resource_exhausted",
        grpc: 8,
        http: 429,
    },
    Row {
        kind: ErrorKind::FailedPrecondition,
        name: "failed_precondition",
        grpc: 9,
        http: 412,
    },
    Row {
        kind: ErrorKind::Aborted,
        name: "aborted",
        grpc: 10,
        http: 409,
    },
    Row {
        kind: ErrorKind::OutOfRange,
        name: "out_of_range",
        grpc: 11,
        http: 400,
    },
    Row {
        kind: ErrorKind::Unimplemented,
        name: "unimplemented",
        grpc: 12,
        http: 501,
    },
    Row {
        kind: ErrorKind::Internal,
        name: "internal",
        grpc: 13,
        http: 500,
    },
    Row {
        kind: ErrorKind::Unavailable,
        name: "unavailable",
        grpc: 14,
        http: 503,
    },
    Row {
        kind: ErrorKind::DataLoss,
        name: "data_loss",
        grpc: 15,
        http: 500,
    },
    Row {
        kind: ErrorKind::Unauthenticated,
        name: "unauthenticated",
        grpc: 16,
        http: 401,
    },
];

impl ErrorKind {
    /// Every kind, in gRPC code order.
    pub const ALL: [ErrorKind; 16] = [
        ErrorKind::Cancelled,
        ErrorKind::Unknown,
        ErrorKind::InvalidArgument,
        ErrorKind::DeadlineExceeded,
        ErrorKind::NotFound,
        ErrorKind::AlreadyExists,
        ErrorKind::PermissionDenied,
        ErrorKind::ResourceExhausted,
        ErrorKind::FailedPrecondition,
        ErrorKind::Aborted,
        ErrorKind::OutOfRange,
        ErrorKind::Unimplemented,
        ErrorKind::Internal,
        ErrorKind::Unavailable,
        ErrorKind::DataLoss,
        ErrorKind::Unauthenticated,
    ];

    fn row(self) -> &'static Row {
        // TABLE is indexed in gRPC code order, one row per variant (checked by a test).
        &TABLE[self as usize]
    }

    /// The IDL spelling (`not_found`).
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// Parses the IDL spelling.
    pub fn from_name(name: &str) -> Option<Self> {
        TABLE.iter().find(|r| r.name == name).map(|r| r.kind)
    }

    /// The gRPC status code (`tonic::Code as i32`).
    pub fn grpc_code(self) -> i32 {
        self.row().grpc
    }

    /// The kind for a gRPC status code; `Unknown` for 0 or anything out of range.
    pub fn from_grpc_code(code: i32) -> Self {
        TABLE
            .iter()
            .find(|r| r.grpc == code)
            .map_or(ErrorKind::Unknown, |r| r.kind)
    }

    /// The HTTP status for REST responses.
    pub fn http_status(self) -> u16 {
        self.row().http
    }

    /// The XML-RPC faultCode.
    pub fn fault_code(self) -> i32 {
        self.row().grpc
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The prefix of a declared error's RFC 9457 problem `type`:
/// `urn:rosetta:error:shop.common.NotFound`. Here, with no feature, so the compiler's OpenAPI
/// target reads the same constant the REST runtime writes.
pub const DECLARED_TYPE_PREFIX: &str = "urn:rosetta:error:";

/// Members an RFC 9457 problem defines itself, so a declared error's fields may not use them:
/// the REST runtime writes these, and the compiler's check E0135 refuses such fields.
pub const RESERVED_MEMBERS: &[&str] = &[
    "type",
    "title",
    "status",
    "detail",
    "instance",
    "kind",
    "violations",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_code_order_with_one_row_per_kind() {
        for (i, kind) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(TABLE[i].kind, *kind);
            assert_eq!(kind.grpc_code(), i as i32 + 1);
            assert_eq!(ErrorKind::from_name(kind.name()), Some(*kind));
            assert_eq!(ErrorKind::from_grpc_code(kind.grpc_code()), *kind);
        }
        assert_eq!(TABLE.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn well_known_mappings() {
        assert_eq!(ErrorKind::NotFound.http_status(), 404);
        assert_eq!(ErrorKind::Unauthenticated.http_status(), 401);
        assert_eq!(ErrorKind::InvalidArgument.grpc_code(), 3);
        assert_eq!(ErrorKind::from_name("nope"), None);
        assert_eq!(ErrorKind::from_grpc_code(0), ErrorKind::Unknown);
    }
}

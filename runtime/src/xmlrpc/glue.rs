//! What generated XML-RPC handlers and clients call: positional parameters decoded into the
//! request struct (arity and type checks), validation, result encoding, and the fault form of
//! declared errors and [`Status`] in both directions.
//!
//! Keeping this here keeps generated code to names and types only, and puts every rule about the
//! wire in one tested place:
//!
//! - a parameter list arrives positionally and is read into the rpc's one request struct by the
//!   IDL parameter names; trailing optional parameters may be left out (or sent as `<nil/>`);
//! - a one-message rpc takes exactly one `<struct>`;
//! - wrong arity, a value of the wrong type and a broken constraint are all
//!   [`INVALID_PARAMS`](super::INVALID_PARAMS) (-32602), with the parameter path and every
//!   violation in the faultString;
//! - a declared IDL error is a fault with the error's `FAULT_CODE` and the faultString
//!   `"<Name>: <fields as JSON>"` (`NotFound: {"resource":"product","id":"p9"}`), which is how the
//!   typed client recovers the error and its fields from the two members a fault may carry;
//! - any other [`Status`] is a fault with its kind's code ([`ErrorKind::fault_code`]) and its
//!   message as the faultString.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Fault;
#[cfg(feature = "server")]
use super::server::HandlerFuture;
use super::{FromXmlRpc, ToXmlRpc, Value, fault};
use crate::error::ErrorKind;
use crate::status::{Declared, DeclaredError, Probe, RpcError, Status, Visitor};
use crate::validate::{Validate, Violation};

/// An rpc's error type as XML-RPC faults: implemented for every [`RpcError`] (`Status` for an
/// rpc that declares no error, the generated `<Rpc>Error` enum otherwise).
pub trait XmlRpcError: From<Status> + Sized {
    /// The fault a server answers with.
    fn to_fault(&self) -> Fault;

    /// The error a client reads back from a fault. This MUST accept any fault (an unknown code
    /// becomes a [`Status`] of kind `unknown`).
    fn from_fault(fault: Fault) -> Self;
}

impl<E: RpcError> XmlRpcError for E {
    fn to_fault(&self) -> Fault {
        struct ToFault;
        impl Visitor for ToFault {
            type Output = Fault;
            fn declared<D: Declared>(self, error: &D) -> Fault {
                declared_fault(error)
            }
            fn status(self, status: &Status) -> Fault {
                status_fault(status)
            }
        }
        self.visit(ToFault)
    }

    fn from_fault(fault: Fault) -> Self {
        struct FromFault<'a>(&'a Fault);
        impl Probe for FromFault<'_> {
            fn probe<D: Declared>(&self) -> Option<D> {
                declared_from_fault(self.0)
            }
        }
        E::probe(&FromFault(&fault)).unwrap_or_else(|| E::from(status_from_fault(fault)))
    }
}

// ---- server side ----

/// The `wrong number of params` fault (-32602).
pub fn arity_fault(got: usize, min: usize, max: usize) -> Fault {
    let takes = if min == max {
        format!("{max}")
    } else {
        format!("{min} to {max}")
    };
    Fault::invalid_params(format!(
        "wrong number of params: the method takes {takes}, got {got}"
    ))
}

/// Serves one call of an rpc that takes nothing: no parameter may be sent, then `call()`'s
/// answer is encoded ([`encode_result`]). `call` is the generated handler's call of the rpc's
/// invoker; the decoding and the future are written once here rather than in every handler.
#[cfg(feature = "server")]
pub fn serve_none<Out, E, F, Fut>(params: Vec<Value>, call: F) -> HandlerFuture
where
    Out: ToXmlRpc + 'static,
    E: XmlRpcError + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<Out, E>> + Send + 'static,
{
    Box::pin(async move {
        decode_none(&params)?;
        encode_result(call().await)
    })
}

/// Serves one call of a one-message rpc: the request decoded ([`decode_message`]) and valid,
/// then `call(request)`'s answer encoded.
#[cfg(feature = "server")]
pub fn serve_message<T, Out, E, F, Fut>(params: Vec<Value>, call: F) -> HandlerFuture
where
    T: FromXmlRpc + Validate + 'static,
    Out: ToXmlRpc + 'static,
    E: XmlRpcError + 'static,
    F: FnOnce(T) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Out, E>> + Send + 'static,
{
    serve(move || decode_message(params), call)
}

/// Serves one call of a parameter-list rpc: the parameters read into the request struct by
/// `names` ([`decode_params`]) and valid, then `call(request)`'s answer encoded.
#[cfg(feature = "server")]
pub fn serve_params<T, Out, E, F, Fut>(
    params: Vec<Value>,
    names: &'static [&'static str],
    required: usize,
    call: F,
) -> HandlerFuture
where
    T: FromXmlRpc + Validate + 'static,
    Out: ToXmlRpc + 'static,
    E: XmlRpcError + 'static,
    F: FnOnce(T) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Out, E>> + Send + 'static,
{
    serve(move || decode_params(params, names, required), call)
}

/// The future of one call: `decode()` the request, validate it, `call` it, encode the answer.
#[cfg(feature = "server")]
fn serve<T, Out, E, D, F, Fut>(decode: D, call: F) -> HandlerFuture
where
    T: Validate + 'static,
    Out: ToXmlRpc + 'static,
    E: XmlRpcError + 'static,
    D: FnOnce() -> Result<T, Fault> + Send + 'static,
    F: FnOnce(T) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Out, E>> + Send + 'static,
{
    Box::pin(async move {
        // The request is moved into the call's future before it is awaited, so `T` need not
        // be `Send`.
        let answer = {
            let request = decode()?;
            validate(&request)?;
            call(request)
        };
        encode_result(answer.await)
    })
}

/// Reads a parameter list into the request struct `T`: parameter `i` becomes the member
/// `names[i]`. At least `required` and at most `names.len()` parameters are accepted (the
/// parameters after the last required one are optional and may be left out).
///
/// A type error is a -32602 fault naming the parameter (`invalid params: b: expected i32,
/// found string`).
pub fn decode_params<T: FromXmlRpc>(
    params: Vec<Value>,
    names: &[&str],
    required: usize,
) -> Result<T, Fault> {
    if params.len() < required || params.len() > names.len() {
        return Err(arity_fault(params.len(), required, names.len()));
    }
    // Read in place, each parameter under its name: the same fields, defaults and error
    // paths as a struct of them, without building one (owned names) per call.
    let members = super::Positional {
        names,
        values: &params,
    };
    T::from_members(&members).map_err(|e| e.to_fault())
}

/// Reads the one `<struct>` a one-message rpc takes.
pub fn decode_message<T: FromXmlRpc>(params: Vec<Value>) -> Result<T, Fault> {
    match params.as_slice() {
        [one] => T::from_xmlrpc(one).map_err(|e| e.to_fault()),
        _ => Err(arity_fault(params.len(), 1, 1)),
    }
}

/// Checks that an rpc without input got no parameter.
pub fn decode_none(params: &[Value]) -> Result<(), Fault> {
    if params.is_empty() {
        Ok(())
    } else {
        Err(arity_fault(params.len(), 0, 0))
    }
}

/// Runs the IDL constraints; every violation is listed in one -32602 fault
/// (`invalid params: name: length must be 1 to 200; lines[0].quantity: ...`).
pub fn validate<T: Validate + ?Sized>(request: &T) -> Result<(), Fault> {
    request.validate().map_err(|violations| {
        Fault::invalid_params(format!("invalid params: {}", list(&violations)))
    })
}

fn list(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(Violation::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Encodes a handler's answer: the result as a value (unit is `<nil/>`, an absent optional is
/// `<nil/>`), or the error as a fault. A result with no XML-RPC form (a `u64` above `i64::MAX`)
/// is a -32603 fault rather than a wrong number.
pub fn encode_result<T: ToXmlRpc, E: XmlRpcError>(result: Result<T, E>) -> Result<Value, Fault> {
    match result {
        Ok(v) => v
            .try_to_xmlrpc()
            .map_err(|e| Fault::internal_error(format!("the result has no XML-RPC form: {e}"))),
        Err(e) => Err(e.to_fault()),
    }
}

/// The fault of a declared error: its `FAULT_CODE`, and `"<NAME>: <fields as JSON>"`.
pub fn declared_fault<E: DeclaredError + Serialize>(error: &E) -> Fault {
    let fields = serde_json::to_string(error).unwrap_or_else(|_| "{}".to_owned());
    Fault::new(E::FAULT_CODE, format!("{}: {fields}", E::NAME))
}

/// The fault of a [`Status`]: its kind's code, and its message (with every violation, if any).
pub fn status_fault(status: &Status) -> Fault {
    let code = status.kind().fault_code();
    let string = match (status.message(), status.violations()) {
        ("", []) => status.kind().name().to_owned(),
        (m, []) => m.to_owned(),
        (_, vs) => format!("invalid input: {}", list(vs)),
    };
    Fault::new(code, string)
}

// ---- client side ----

/// The declared error `E` a fault carries, if it is one: the code is `E::FAULT_CODE` and the
/// faultString is `"<E::NAME>: <JSON that reads as E>"`.
pub fn declared_from_fault<E: DeclaredError + DeserializeOwned>(fault: &Fault) -> Option<E> {
    if fault.code != E::FAULT_CODE {
        return None;
    }
    let json = fault.string.strip_prefix(E::NAME)?.strip_prefix(": ")?;
    serde_json::from_str(json).ok()
}

/// The [`Status`] for a fault that is not a declared error: a kind's code (1–16) gives that
/// kind; the protocol codes map to `invalid_argument` (-32700…-32600, -32602), `unimplemented`
/// (-32601) and `internal` (-32603); anything else is `unknown`. The message is the faultString,
/// prefixed with the code when the code is not a kind's.
pub fn status_from_fault(fault: Fault) -> Status {
    let kind = match fault.code {
        1..=16 => {
            return Status::new(ErrorKind::from_grpc_code(fault.code), fault.string);
        }
        fault::METHOD_NOT_FOUND => ErrorKind::Unimplemented,
        fault::INVALID_PARAMS | fault::INVALID_REQUEST => ErrorKind::InvalidArgument,
        fault::PARSE_ERROR | fault::UNSUPPORTED_ENCODING | fault::INVALID_CHARACTER => {
            ErrorKind::InvalidArgument
        }
        fault::INTERNAL_ERROR => ErrorKind::Internal,
        _ => ErrorKind::Unknown,
    };
    Status::new(kind, format!("fault {}: {}", fault.code, fault.string))
}

/// One positional argument of a client call; a value with no XML-RPC form is an
/// `invalid_argument` status naming the parameter.
pub fn arg<T: ToXmlRpc + ?Sized>(value: &T, name: &str) -> Result<Value, Status> {
    value
        .try_to_xmlrpc()
        .map_err(|e| Status::invalid_argument(format!("{}", e.in_field(name))))
}

/// Drops trailing `<nil/>` arguments past the first `required` ones: absent trailing optionals
/// are left out, so servers that do not read `<nil/>` (Python without `allow_none`) still work.
pub fn trim_optional(params: &mut Vec<Value>, required: usize) {
    while params.len() > required && params.last().is_some_and(Value::is_nil) {
        params.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_messages() {
        assert_eq!(
            arity_fault(3, 2, 2).string,
            "wrong number of params: the method takes 2, got 3"
        );
        assert_eq!(
            arity_fault(0, 1, 3).string,
            "wrong number of params: the method takes 1 to 3, got 0"
        );
        assert_eq!(arity_fault(0, 1, 3).code, fault::INVALID_PARAMS);
    }

    #[test]
    fn unknown_codes_keep_the_code() {
        let s = status_from_fault(Fault::new(4001, "x"));
        assert_eq!(s.kind(), ErrorKind::Unknown);
        assert_eq!(s.message(), "fault 4001: x");
        let s = status_from_fault(Fault::new(5, "gone"));
        assert_eq!(s.kind(), ErrorKind::NotFound);
        assert_eq!(s.message(), "gone");
    }

    #[test]
    fn results_without_an_xmlrpc_form_are_internal_faults() {
        let f = encode_result(Ok::<u64, Status>(u64::MAX)).unwrap_err();
        assert_eq!(f.code, fault::INTERNAL_ERROR);
        assert!(
            f.string.contains("exceeds the XML-RPC integer range"),
            "{f}"
        );
        assert_eq!(
            encode_result(Ok::<u64, Status>(1 << 40)),
            Ok(Value::I8(1 << 40))
        );
        assert_eq!(encode_result(Ok::<(), Status>(())), Ok(Value::Nil));
        assert_eq!(
            encode_result(Ok::<Option<i32>, Status>(None)),
            Ok(Value::Nil)
        );
    }

    #[test]
    fn statuses_as_faults() {
        let f = status_fault(&Status::not_found("no such thing"));
        assert_eq!((f.code, f.string.as_str()), (5, "no such thing"));
        let f = status_fault(&Status::new(ErrorKind::Unavailable, ""));
        assert_eq!(f.string, "unavailable");
        let v = vec![
            Violation {
                field: "a".into(),
                rule: "range".into(),
                message: "too big".into(),
            },
            Violation {
                field: "b".into(),
                rule: "length".into(),
                message: "too long".into(),
            },
        ];
        let f = status_fault(&Status::from_violations(v));
        assert_eq!(
            (f.code, f.string.as_str()),
            (3, "invalid input: a: too big; b: too long")
        );
        assert_eq!(
            status_from_fault(status_fault(&Status::permission_denied("no"))),
            Status::permission_denied("no")
        );
    }

    #[test]
    fn trims_only_trailing_nils_past_required() {
        let mut p = vec![Value::Nil, Value::Int(1), Value::Nil, Value::Nil];
        trim_optional(&mut p, 1);
        assert_eq!(p, vec![Value::Nil, Value::Int(1)]);
        let mut p = vec![Value::Nil];
        trim_optional(&mut p, 1);
        assert_eq!(p, vec![Value::Nil]);
    }
}

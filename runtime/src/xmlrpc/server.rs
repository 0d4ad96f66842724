//! The XML-RPC endpoint: a registry of methods served at `POST /RPC2`, with the introspection
//! methods (`system.listMethods`, `system.methodSignature`, `system.methodHelp`) and
//! `system.multicall`, which Python's `xmlrpc.client.MultiCall` uses.
//!
//! Generated code registers one handler per rpc; a handler takes the request [`Context`] and the
//! positional parameters and answers a value or a [`Fault`]. The HTTP side (body limits, gzip,
//! 413) is in [`endpoint`](super::endpoint); this module is the dispatch, which tests and
//! benchmarks can also drive directly through [`Registry::call`].
//!
//! A handler that panics answers -32603 and the server goes on serving.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use axum::Router;
use axum::http::HeaderMap;

use super::glue::arity_fault;
use super::{Fault, Limits, MethodCall, Value};
use crate::metadata::ResponseMetadata;
use crate::{Context, Protocol};

/// What a handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Value, Fault>> + Send>>;

/// A registered method: the context and the positional parameters in, a value or fault out.
pub type Handler = Arc<dyn Fn(Context, Vec<Value>) -> HandlerFuture + Send + Sync>;

#[doc(hidden)]
/// One rpc of a generated service's static method table: what [`MethodInfo`] holds, as
/// constants.
#[derive(Debug, Clone, Copy)]
pub struct MethodSpec {
    /// The XML-RPC method name.
    pub name: &'static str,
    /// The IDL method name, `Service.Method`.
    pub idl_name: &'static str,
    /// XML-RPC type names: the result first, then each parameter.
    pub signature: &'static [&'static str],
    /// How many leading parameters are required.
    pub required: usize,
    /// The IDL docs (`system.methodHelp`).
    pub help: &'static str,
}

#[doc(hidden)]
/// A generated service's dispatch function for one rpc: decode, validate, call, encode.
pub type ServiceHandler<S> = fn(Arc<S>, Context, Vec<Value>) -> HandlerFuture;

/// What introspection tells about a method.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MethodInfo {
    /// The XML-RPC method name.
    pub name: String,
    /// The IDL method name, `Service.Method`, passed to the handler's [`Context`].
    pub idl_name: String,
    /// XML-RPC type names: the result first, then each parameter (`int`, `i8`, `string`,
    /// `struct`, `array`, `nil`, ...).
    pub signature: Vec<String>,
    /// How many leading parameters are required; the rest may be left out.
    /// `system.methodSignature` lists one signature per accepted parameter count.
    pub required_params: usize,
    /// The IDL docs (`system.methodHelp`).
    pub help: String,
}

impl MethodInfo {
    /// Describes a method (what generated code calls).
    pub fn new(
        name: &str,
        idl_name: &str,
        signature: &[&str],
        required_params: usize,
        help: &str,
    ) -> Self {
        MethodInfo {
            name: name.to_owned(),
            idl_name: idl_name.to_owned(),
            signature: signature.iter().map(|s| (*s).to_owned()).collect(),
            required_params,
            help: help.to_owned(),
        }
    }

    /// The signatures `system.methodSignature` reports: `[result, params...]` for every
    /// accepted parameter count, shortest first.
    pub fn signatures(&self) -> Vec<Vec<String>> {
        let Some((result, params)) = self.signature.split_first() else {
            return Vec::new();
        };
        let required = self.required_params.min(params.len());
        (required..=params.len())
            .map(|n| {
                std::iter::once(result)
                    .chain(&params[..n])
                    .cloned()
                    .collect()
            })
            .collect()
    }
}

/// The built-in methods: name, signature, help.
const SYSTEM_METHODS: &[(&str, &[&str], &str)] = &[
    (
        "system.listMethods",
        &["array"],
        "The names of every method this server offers.",
    ),
    (
        "system.methodHelp",
        &["string", "string"],
        "The documentation of the named method.",
    ),
    (
        "system.methodSignature",
        &["array", "string"],
        "The signatures of the named method: arrays of type names, the result first.",
    ),
    (
        "system.multicall",
        &["array", "array"],
        "Runs several calls in one request. Takes an array of {methodName, params} structs; \
         answers an array with, for each call, its result in a one-item array or its fault \
         struct. Calls run in order; system.multicall cannot be nested.",
    ),
];

/// A registered method.
#[derive(Clone)]
struct Method {
    info: MethodInfo,
    /// `info.idl_name` as the handler's [`Context`] takes it: borrowed for a generated method
    /// (no allocation per call).
    context_name: std::borrow::Cow<'static, str>,
    handler: Handler,
}

/// The methods served at `/RPC2`, and the endpoint's settings.
#[derive(Clone)]
pub struct Registry {
    methods: BTreeMap<String, Method>,
    limits: Limits,
    gzip_threshold: Option<usize>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            methods: BTreeMap::new(),
            limits: Limits::default(),
            gzip_threshold: Some(Self::DEFAULT_GZIP_THRESHOLD),
        }
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("methods", &self.methods.keys().collect::<Vec<_>>())
            .field("limits", &self.limits)
            .field("gzip_threshold", &self.gzip_threshold)
            .finish()
    }
}

impl Registry {
    /// Responses of at least this many bytes are gzipped for clients that accept it (Python's
    /// `SimpleXMLRPCServer` uses the same threshold).
    pub const DEFAULT_GZIP_THRESHOLD: usize = 1400;

    /// An empty registry with the default [`Limits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a method (a later registration of the same name replaces the earlier one).
    pub fn add<F, Fut>(&mut self, info: MethodInfo, handler: F)
    where
        F: Fn(Context, Vec<Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, Fault>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |ctx, params| Box::pin(handler(ctx, params)));
        let method = Method {
            context_name: std::borrow::Cow::Owned(info.idl_name.clone()),
            info,
            handler,
        };
        self.methods.insert(method.info.name.clone(), method);
    }

    #[doc(hidden)]
    /// Registers every rpc of a generated service: `methods` is its static method table and
    /// `handlers` its dispatch functions, in the same (IDL) order, each called with `service`.
    pub fn add_service<S: Send + Sync + 'static>(
        &mut self,
        service: &Arc<S>,
        methods: &'static [MethodSpec],
        handlers: &[ServiceHandler<S>],
    ) {
        debug_assert_eq!(methods.len(), handlers.len());
        for (m, &handler) in methods.iter().zip(handlers) {
            let service = Arc::clone(service);
            let info = MethodInfo::new(m.name, m.idl_name, m.signature, m.required, m.help);
            let handler: Handler =
                Arc::new(move |ctx, params| handler(Arc::clone(&service), ctx, params));
            let method = Method {
                info,
                context_name: std::borrow::Cow::Borrowed(m.idl_name),
                handler,
            };
            self.methods.insert(method.info.name.clone(), method);
        }
    }

    /// Sets the decoding limits: the largest body (after gzip) and the deepest nesting.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The decoding limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Sets the response size from which responses are gzipped for clients that send
    /// `accept-encoding: gzip`; `None` never compresses.
    pub fn set_gzip_threshold(&mut self, threshold: Option<usize>) {
        self.gzip_threshold = threshold;
    }

    /// The response size from which responses are gzipped.
    pub fn gzip_threshold(&self) -> Option<usize> {
        self.gzip_threshold
    }

    /// True when no method is registered.
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty()
    }

    /// The registered method names and the `system.*` methods, sorted.
    pub fn method_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .methods
            .keys()
            .cloned()
            .chain(SYSTEM_METHODS.iter().map(|m| m.0.to_owned()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// What introspection tells about `name` (registered or `system.*`).
    pub fn method_info(&self, name: &str) -> Option<MethodInfo> {
        if let Some(method) = self.methods.get(name) {
            return Some(method.info.clone());
        }
        SYSTEM_METHODS
            .iter()
            .find(|m| m.0 == name)
            .map(|(n, sig, help)| MethodInfo::new(n, n, sig, sig.len() - 1, help))
    }

    /// Dispatches one call, `system.*` methods included: the handler's answer, or a fault
    /// (-32601 for an unknown method).
    pub async fn call(
        &self,
        headers: HeaderMap,
        peer: Option<SocketAddr>,
        call: MethodCall,
    ) -> Result<Value, Fault> {
        self.call_with(headers, peer, ResponseMetadata::new(), call)
            .await
    }

    /// [`call`](Self::call), the handlers setting response metadata through `metadata`.
    pub async fn call_with(
        &self,
        headers: HeaderMap,
        peer: Option<SocketAddr>,
        metadata: ResponseMetadata,
        call: MethodCall,
    ) -> Result<Value, Fault> {
        if call.name == "system.multicall" {
            // Boxed: a multicall holds a sub-call's future, which inline would double the size
            // of every call's future (boxed again per call by the server).
            Box::pin(self.multicall(&headers, peer, &metadata, call.params)).await
        } else {
            self.call_one(headers, peer, &metadata, call).await
        }
    }

    /// Dispatches a call that is not `system.multicall`.
    async fn call_one(
        &self,
        headers: HeaderMap,
        peer: Option<SocketAddr>,
        metadata: &ResponseMetadata,
        call: MethodCall,
    ) -> Result<Value, Fault> {
        match call.name.as_str() {
            "system.listMethods" => {
                expect_arity(&call.params, 0)?;
                Ok(Value::Array(
                    self.method_names().into_iter().map(Value::String).collect(),
                ))
            }
            "system.methodSignature" => {
                let info = self.named_method(&call.params)?;
                Ok(Value::Array(
                    info.signatures()
                        .into_iter()
                        .map(|sig| Value::Array(sig.into_iter().map(Value::String).collect()))
                        .collect(),
                ))
            }
            "system.methodHelp" => Ok(Value::String(self.named_method(&call.params)?.help)),
            "system.multicall" => Err(Fault::invalid_request(
                "system.multicall cannot be called from system.multicall",
            )),
            name => {
                let Some(method) = self.methods.get(name) else {
                    return Err(Fault::method_not_found(name));
                };
                let handler = &method.handler;
                let ctx = Context::served(
                    Protocol::XmlRpc,
                    method.context_name.clone(),
                    headers,
                    peer,
                    metadata.clone(),
                );
                CatchUnwind(handler(ctx, call.params)).await
            }
        }
    }

    /// The method named by the one string parameter of `methodHelp`/`methodSignature`.
    fn named_method(&self, params: &[Value]) -> Result<MethodInfo, Fault> {
        expect_arity(params, 1)?;
        let name = params
            .first()
            .and_then(Value::as_str)
            .ok_or_else(|| Fault::invalid_params("invalid params: expected a method name"))?;
        self.method_info(name)
            .ok_or_else(|| Fault::method_not_found(name))
    }

    /// `system.multicall`: each sub-call in order; a result becomes a one-item array, a fault a
    /// fault struct, as the multicall convention (and Python's `MultiCallIterator`) expects.
    async fn multicall(
        &self,
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
        metadata: &ResponseMetadata,
        params: Vec<Value>,
    ) -> Result<Value, Fault> {
        expect_arity(&params, 1)?;
        let Some(Value::Array(calls)) = params.into_iter().next() else {
            return Err(Fault::invalid_params(
                "invalid params: system.multicall takes an array of {methodName, params} structs",
            ));
        };
        let mut results = Vec::with_capacity(calls.len());
        for sub in calls {
            let answer = match sub_call(sub) {
                Ok(call) => self.call_one(headers.clone(), peer, metadata, call).await,
                Err(fault) => Err(fault),
            };
            results.push(match answer {
                Ok(v) => Value::Array(vec![v]),
                Err(f) => fault_struct(f),
            });
        }
        Ok(Value::Array(results))
    }

    /// The `POST /RPC2` route.
    pub fn into_router(self) -> Router {
        super::endpoint::router(Arc::new(self))
    }
}

/// Endpoint settings, mounted like a service:
/// `Server::new().mount(shop).mount(Settings::new().limits(limits))`.
///
/// Mount order does not matter: every service shares the one `/RPC2` registry.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    limits: Option<Limits>,
    gzip_threshold: Option<Option<usize>>,
}

impl Settings {
    /// No change from the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The decoding limits: body size (after gzip) and nesting depth.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// The response size from which responses are gzipped for clients that accept it; `None`
    /// never compresses.
    #[must_use]
    pub fn gzip_threshold(mut self, threshold: Option<usize>) -> Self {
        self.gzip_threshold = Some(threshold);
        self
    }
}

impl crate::server::Mount for Settings {
    fn mount(self, parts: &mut crate::server::Parts) {
        if let Some(limits) = self.limits {
            parts.xmlrpc.set_limits(limits);
        }
        if let Some(threshold) = self.gzip_threshold {
            parts.xmlrpc.set_gzip_threshold(threshold);
        }
    }
}

/// A -32602 fault unless there are exactly `n` parameters.
fn expect_arity(params: &[Value], n: usize) -> Result<(), Fault> {
    if params.len() == n {
        Ok(())
    } else {
        Err(arity_fault(params.len(), n, n))
    }
}

/// Reads one `{methodName, params}` struct of a multicall.
fn sub_call(v: Value) -> Result<MethodCall, Fault> {
    let bad =
        || Fault::invalid_request("a system.multicall entry must be a {methodName, params} struct");
    let Value::Struct(members) = v else {
        return Err(bad());
    };
    let mut name = None;
    let mut params = None;
    for (k, v) in members {
        match (k.as_str(), v) {
            ("methodName", Value::String(s)) => name = Some(s),
            ("params", Value::Array(p)) => params = Some(p),
            _ => {}
        }
    }
    match (name, params) {
        (Some(name), Some(params)) => Ok(MethodCall { name, params }),
        (Some(name), None) => Ok(MethodCall {
            name,
            params: Vec::new(),
        }),
        _ => Err(bad()),
    }
}

/// A fault as the struct a multicall result array carries.
fn fault_struct(f: Fault) -> Value {
    Value::Struct(vec![
        ("faultCode".to_owned(), Value::Int(f.code)),
        ("faultString".to_owned(), Value::String(f.string)),
    ])
}

/// Turns a panic while polling a handler into a -32603 fault.
struct CatchUnwind(HandlerFuture);

impl Future for CatchUnwind {
    type Output = Result<Value, Fault>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let fut = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(Fault::internal_error(
                "internal error: the method's handler panicked",
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_per_accepted_count() {
        let info = MethodInfo::new("s", "S.s", &["array", "string", "int", "string"], 1, "");
        assert_eq!(
            info.signatures(),
            vec![
                vec!["array", "string"],
                vec!["array", "string", "int"],
                vec!["array", "string", "int", "string"],
            ]
        );
    }

    #[test]
    fn sub_calls() {
        let ok = Value::structure([
            ("methodName", Value::from("add")),
            ("params", Value::Array(vec![Value::Int(1)])),
        ]);
        assert_eq!(
            sub_call(ok).unwrap(),
            MethodCall::new("add", vec![Value::Int(1)])
        );
        assert_eq!(
            sub_call(Value::Int(1)).unwrap_err().code,
            super::super::INVALID_REQUEST
        );
    }
}

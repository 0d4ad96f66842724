//! The XML-RPC endpoint: a registry of methods served at `POST /RPC2`.
//!
//! Generated code registers one handler per rpc; a handler takes the request [`Context`] and the
//! positional parameters and answers a value or a [`Fault`]. The endpoint decodes the call with
//! the codec's safety [`Limits`], dispatches, and always answers `200 text/xml` with a
//! `methodResponse` (faults included), as the specification and Python's client expect.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Fault, Limits, MethodCall, Value, decode_method_call, encode_method_response};
use crate::{Context, Protocol};

/// What a handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Value, Fault>> + Send>>;

/// A registered method: the context and the positional parameters in, a value or fault out.
pub type Handler = Arc<dyn Fn(Context, Vec<Value>) -> HandlerFuture + Send + Sync>;

/// What introspection tells about a method.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MethodInfo {
    /// The XML-RPC method name.
    pub name: String,
    /// The IDL method name, `Service.Method`, passed to the handler's [`Context`].
    pub idl_name: String,
    /// XML-RPC type names: the result first, then each parameter (`system.methodSignature`).
    pub signature: Vec<String>,
    /// The IDL docs (`system.methodHelp`).
    pub help: String,
}

/// The methods served at `/RPC2`.
#[derive(Clone, Default)]
pub struct Registry {
    methods: BTreeMap<String, (MethodInfo, Handler)>,
    limits: Limits,
}

impl Registry {
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
        self.methods.insert(info.name.clone(), (info, handler));
    }

    /// Sets the decoding limits.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// True when no method is registered.
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty()
    }

    /// The registered method names, sorted.
    pub fn method_names(&self) -> Vec<String> {
        self.methods.keys().cloned().collect()
    }

    /// Dispatches one call (no introspection): the handler's answer, or -32601.
    pub async fn call(&self, headers: HeaderMap, peer: Option<SocketAddr>, call: MethodCall) -> Result<Value, Fault> {
        if call.name == "system.listMethods" {
            let mut names: Vec<Value> = self.methods.keys().map(|n| Value::String(n.clone())).collect();
            names.push(Value::String("system.listMethods".into()));
            return Ok(Value::Array(names));
        }
        let Some((info, handler)) = self.methods.get(&call.name) else {
            return Err(Fault::new(
                super::METHOD_NOT_FOUND,
                format!("method {:?} not found", call.name),
            ));
        };
        let ctx = Context::new(Protocol::XmlRpc, info.idl_name.clone())
            .with_headers(headers)
            .with_peer(peer);
        handler(ctx, call.params).await
    }

    /// The `POST /RPC2` route.
    pub fn into_router(self) -> Router {
        Router::new()
            .route("/RPC2", axum::routing::post(endpoint))
            .with_state(Arc::new(self))
    }
}

async fn endpoint(State(registry): State<Arc<Registry>>, request: axum::extract::Request) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = request.into_parts();
    // Reading stops at the limit: an oversized body is refused without being buffered.
    let body: Bytes = match axum::body::to_bytes(body, registry.limits.max_body_size).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let response = match decode_method_call(&body, &registry.limits) {
        Err(fault) => Err(fault),
        Ok(call) => registry.call(parts.headers, peer, call).await,
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        encode_method_response(&response),
    )
        .into_response()
}

//! The per-rpc server functions of the XML-RPC and REST glue, written once here: a generated file
//! names each in one macro call (the rpc's handler name, its service trait, how its request is
//! decoded, and the call of its invoker) instead of spelling out the same function per rpc.
//!
//! Every function is a thin adapter: decoding, validation, encoding and the error mapping are
//! runtime calls (`rosetta::xmlrpc::glue`, `rosetta::rest`). Not a public API.

/// `fn $name<S: $service>(svc, ctx, params) -> HandlerFuture`: one rpc's XML-RPC handler. The
/// first word says how the positional parameters decode:
/// - `none`: no parameters (anything sent is refused);
/// - `message(T)`: one struct `T`, validated;
/// - `params(T, ["a", "b"], required)`: the parameters by position into the request struct `T`
///   (the first `required` must be there), validated.
///
/// `|svc, ctx, req| call` is the call of the rpc's invoker (`call_<rpc>(svc, ctx, req)`;
/// `req` is unused with `none`).
#[doc(hidden)]
#[macro_export]
macro_rules! __xmlrpc_handler {
    (none $name:ident, $service:path, |$svc:ident, $ctx:ident| $call:expr) => {
        $crate::__xmlrpc_handler!(@fn $name, $service, $svc, $ctx, params,
            $crate::xmlrpc::glue::serve_none(params, move || $call));
    };
    (message $name:ident, $service:path, $ty:ty, |$svc:ident, $ctx:ident, $req:ident| $call:expr) => {
        $crate::__xmlrpc_handler!(@fn $name, $service, $svc, $ctx, params,
            $crate::xmlrpc::glue::serve_message(params, move |$req: $ty| $call));
    };
    (
        params $name:ident, $service:path, $ty:ty, [$($param:literal),*], $required:literal,
        |$svc:ident, $ctx:ident, $req:ident| $call:expr
    ) => {
        $crate::__xmlrpc_handler!(@fn $name, $service, $svc, $ctx, params,
            $crate::xmlrpc::glue::serve_params(
                params, &[$($param),*], $required, move |$req: $ty| $call,
            ));
    };
    (@fn $name:ident, $service:path, $svc:ident, $ctx:ident, $params:ident, $serve:expr) => {
        fn $name<S: $service>(
            $svc: ::std::sync::Arc<S>,
            $ctx: $crate::Context,
            $params: ::std::vec::Vec<$crate::xmlrpc::Value>,
        ) -> $crate::xmlrpc::server::HandlerFuture {
            $serve
        }
    };
}

/// `fn $name<S: $service>(svc, request) -> Reply`: one rpc's REST handler, through the runtime's
/// `rest::$handle` (`handle`, `handle_unit`, `handle_server_stream`, …) with the route `$route`;
/// `|svc, args…| call` is the call of the rpc's invoker (`call_<rpc>(svc, ctx, request)`, the
/// future that owns the service while the trait method runs), `args` what `$handle` passes (the
/// context, and the decoded request with its type).
#[doc(hidden)]
#[macro_export]
macro_rules! __rest_handler {
    (
        $name:ident, $service:path, $handle:ident, $route:expr,
        |$svc:ident, $($arg:ident $(: $ty:ty)?),*| $call:expr
    ) => {
        fn $name<S: $service>(
            $svc: ::std::sync::Arc<S>,
            request: $crate::__private::rest::Request,
        ) -> $crate::__private::rest::Reply {
            $crate::__private::rest::$handle(&$route, request, move |$($arg $(: $ty)?),*| $call)
        }
    };
}

/// The body of a typed XML-RPC client method: each argument `$arg` converted (a value that cannot
/// be sent fails the call, naming the parameter `$name`), trailing absent optionals past the first
/// `$required` left out, then the call of `$method` on the untyped client `$client`.
#[doc(hidden)]
#[macro_export]
macro_rules! __xmlrpc_call {
    ($client:expr, $method:literal, $required:literal $(, $arg:ident = $name:literal)* $(,)?) => {{
        let mut params: ::std::vec::Vec<$crate::xmlrpc::Value> =
            ::std::vec![$($crate::xmlrpc::glue::arg(&$arg, $name)?),*];
        $crate::xmlrpc::glue::trim_optional(&mut params, $required);
        $client.call($method, params).await
    }};
}

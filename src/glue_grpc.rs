//! The gRPC glue macros generated code invokes: per service the adapter (the handler the
//! one-port server calls, also a tower service for tonic's own server) and the typed client, each written once here. Types need no gRPC glue
//! of their own: their `__proto!` encoding is their message.
//!
//! A generated file states facts (which rpc has which path, request type and response message)
//! and these macros expand them; the work is in the runtime (`grpc::service::Rpc` and
//! `grpc::server::{unary, …}` per call, `grpc::client` for the client). Generated code invokes
//! them inside `__if_grpc!`, so they expand only with the `grpc` feature.

/// A service's `GrpcAdapter<S>`: the struct, `new`, `into_service`, its mount, the handler the
/// one-port server calls (`grpc::service::Handler`) and the tower service tonic's router calls
/// (mounted on tonic's own server by hand), both of which which matches the request's path to an rpc and serves it with
/// one runtime call (`grpc::service::Rpc::{unary, …}`: decoding, validation, the deadline,
/// errors, compression).
///
/// ```text
/// #[doc = "…"]
/// impl super::Trait, "pkg.Service", super::proto::FILE_DESCRIPTOR_SET;
/// unary "Method"("Service.Method", super::MethodRequest => super::Item) |request: super::MethodRequest| call_method(request);
/// server_streaming "Watch"("Service.Watch", () => super::Event) |_: ()| call_watch();
/// client_streaming "Record"("Service.Record", super::Chunk => Reply<i64>) |requests: _| call_record(requests);
/// ```
///
/// Each rpc line gives its .proto name, its name in the request context, its request type and
/// the message its answer travels in (`grpc::message`), and the rpc's invoker in the service's
/// module (`call_<rpc>(svc, ctx, request)`, the one call of the trait method every protocol
/// makes) with the request it is given.
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_adapter {
    (
        $(#[$attr:meta])*
        impl $trait:path, $full_name:literal, $descriptors:expr;
        $($kind:ident $rpc:literal($name:literal, $in:ty => $out:ty)
            |$req:tt: $rty:ty| $call:ident($($arg:expr),*);)*
    ) => {
        $(#[$attr])*
        pub struct GrpcAdapter<S> {
            inner: ::std::sync::Arc<S>,
            config: $crate::__private::grpc::service::ServiceConfig,
        }

        impl<S> ::core::clone::Clone for GrpcAdapter<S> {
            fn clone(&self) -> Self {
                Self {
                    inner: ::std::sync::Arc::clone(&self.inner),
                    config: self.config,
                }
            }
        }

        impl<S> GrpcAdapter<S> {
            /// Wraps a shared implementation, with the default [`GrpcOptions`]' limits and
            /// codings.
            ///
            /// [`GrpcOptions`]: $crate::grpc::GrpcOptions
            pub fn new(inner: ::std::sync::Arc<S>) -> Self {
                Self {
                    inner,
                    config: ::core::default::Default::default(),
                }
            }
        }

        impl<S: $trait> GrpcAdapter<S> {
            /// The service as tonic's router mounts it, with the message size limits and the
            /// request and response codings of `options`.
            pub fn into_service(mut self, options: &$crate::__private::grpc::GrpcOptions) -> Self {
                self.config = $crate::__private::grpc::service::ServiceConfig::new(options);
                self
            }

            /// Registers the service of `inner` with the server being built (the service's
            /// `Server::mount`).
            fn mount(inner: &::std::sync::Arc<S>, parts: &mut $crate::server::Parts) {
                let adapter = Self::new(::std::sync::Arc::clone(inner));
                parts.grpc_services.add($full_name, $descriptors, move |options| {
                    ::std::sync::Arc::new(adapter.into_service(options))
                });
            }

            /// Serves one call: the rpc its path names, or `UNIMPLEMENTED`.
            fn dispatch<B>(
                &self,
                req: $crate::__private::tonic::codegen::http::Request<B>,
            ) -> $crate::__private::grpc::service::ResponseFuture
            where
                B: $crate::__private::tonic::codegen::Body + ::core::marker::Send + 'static,
                B::Error: ::core::convert::Into<$crate::__private::tonic::codegen::StdError>
                    + ::core::marker::Send
                    + 'static,
            {
                let config = self.config;
                match req.uri().path() {
                    $(::core::concat!("/", $full_name, "/", $rpc) => {
                        let inner = ::std::sync::Arc::clone(&self.inner);
                        $crate::__private::grpc::service::Rpc::<$in, $out>::$kind(
                            req,
                            config,
                            $name,
                            move |ctx, $req: $rty| $call(inner, ctx $(, $arg)*),
                        )
                    })*
                    path => $crate::__private::grpc::service::unimplemented(path),
                }
            }
        }

        impl<S: $trait> $crate::__private::grpc::service::Handler for GrpcAdapter<S> {
            fn serve(
                &self,
                req: $crate::__private::tonic::codegen::http::Request<
                    $crate::__private::grpc::service::RequestBody,
                >,
            ) -> $crate::__private::grpc::service::ResponseFuture {
                self.dispatch(req)
            }
        }

        impl<S> $crate::__private::tonic::server::NamedService for GrpcAdapter<S> {
            const NAME: &'static str = $full_name;
        }

        impl<S: $trait, B> $crate::__private::tonic::codegen::Service<
            $crate::__private::tonic::codegen::http::Request<B>,
        > for GrpcAdapter<S>
        where
            B: $crate::__private::tonic::codegen::Body + ::core::marker::Send + 'static,
            B::Error: ::core::convert::Into<$crate::__private::tonic::codegen::StdError>
                + ::core::marker::Send
                + 'static,
        {
            type Response = $crate::__private::grpc::service::Response;
            type Error = ::core::convert::Infallible;
            type Future = $crate::__private::grpc::service::ResponseFuture;

            fn poll_ready(
                &mut self,
                _: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<::core::result::Result<(), ::core::convert::Infallible>> {
                ::core::task::Poll::Ready(::core::result::Result::Ok(()))
            }

            fn call(
                &mut self,
                req: $crate::__private::tonic::codegen::http::Request<B>,
            ) -> Self::Future {
                self.dispatch(req)
            }
        }
    };
}

/// A service's typed `GrpcClient`: the struct, its constructors and settings, and one method per
/// rpc, each one runtime call (`grpc::client::unary`, `server_streaming`, `client_streaming` or
/// `streaming`: the request as its message, sent by `grpc::client::Method`, a failing status
/// as the rpc's typed error, the response read back).
///
/// ```text
/// #[doc = "…"]
/// "pkg.Service";
/// #[doc = " Fetch one."]
/// unary get(id: String) -> super::Item, GetError = "Get"(super::Item, super::GetRequest { id });
/// server_streaming watch() -> super::Event = "Watch"(super::Event, ());
/// client_streaming upload(requests: super::Chunk) -> i64 = "Upload"(Reply<i64>, requests);
/// ```
///
/// Each method names the message its answer travels in (`grpc::message`) and the request value.
///
/// The error type is `Status` when none is given; a client stream's argument is a stream of
/// the type given, a server stream's answer a `Streaming` of it.
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_client {
    (@error) => { $crate::Status };
    (@error $err:ty) => { $err };
    (@arg unary $ty:ty) => { $ty };
    (@arg server_streaming $ty:ty) => { $ty };
    (@arg client_streaming $ty:ty) => {
        impl $crate::stream::Stream<Item = $ty> + ::core::marker::Send + 'static
    };
    (@arg streaming $ty:ty) => {
        impl $crate::stream::Stream<Item = $ty> + ::core::marker::Send + 'static
    };
    (@message unary) => { $crate::__private::grpc::Encoded };
    (@message server_streaming) => { $crate::__private::grpc::Encoded };
    (@message client_streaming) => { $crate::__private::grpc::client::OutgoingMessages };
    (@message streaming) => { $crate::__private::grpc::client::OutgoingMessages };
    (@ok unary $ret:ty, $err:ty) => { $ret };
    (@ok client_streaming $ret:ty, $err:ty) => { $ret };
    (@ok server_streaming $ret:ty, $err:ty) => { $crate::Streaming<$ret, $err> };
    (@ok streaming $ret:ty, $err:ty) => { $crate::Streaming<$ret, $err> };
    (
        $(#[$attr:meta])*
        $full_name:literal;
        $($(#[$method_attr:meta])*
        $kind:ident $method:ident($($arg:ident: $arg_ty:ty),*) -> $ret:ty $(, $err:ty)?
            = $rpc:literal($out:ty, $request:expr);)*
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone)]
        pub struct GrpcClient {
            inner: $crate::__private::grpc::client::Channel,
        }

        impl GrpcClient {
            /// Connects to `url` (`http://127.0.0.1:8080`).
            pub async fn connect(
                url: impl ::core::convert::Into<::std::string::String>,
            ) -> ::core::result::Result<Self, $crate::Status> {
                ::core::result::Result::Ok(Self::new($crate::__private::grpc::connect(url).await?))
            }

            /// A client on an existing channel. It accepts responses compressed with any coding
            /// Rosetta speaks (gzip, deflate, zstd: it says so in `grpc-accept-encoding`) and
            /// sends requests uncompressed until [`Self::send_compressed`].
            pub fn new(channel: $crate::__private::tonic::transport::Channel) -> Self {
                let mut inner = $crate::__private::tonic::client::Grpc::new(channel);
                for encoding in $crate::__private::grpc::ALL_ENCODINGS {
                    inner = inner.accept_compressed(encoding);
                }
                Self { inner }
            }

            /// Compresses every request message with `encoding` (`grpc-encoding`); the server
            /// must accept it (a Rosetta server accepts gzip, deflate and zstd by default).
            #[must_use]
            pub fn send_compressed(
                mut self,
                encoding: $crate::__private::grpc::CompressionEncoding,
            ) -> Self {
                self.inner = self.inner.send_compressed(encoding);
                self
            }

            /// Accepts responses compressed with `encoding` as well (all of gzip, deflate and
            /// zstd are accepted already; this is for a coding tonic adds later).
            #[must_use]
            pub fn accept_compressed(
                mut self,
                encoding: $crate::__private::grpc::CompressionEncoding,
            ) -> Self {
                self.inner = self.inner.accept_compressed(encoding);
                self
            }

            /// The underlying tonic client (`tonic::client::Grpc`), for calls with a codec of
            /// your own, metadata, compression and limits.
            pub fn tonic(&mut self) -> &mut $crate::__private::grpc::client::Channel {
                &mut self.inner
            }

            $(
                $(#[$method_attr])*
                #[allow(deprecated)]
                pub async fn $method(
                    &self,
                    $($arg: $crate::__grpc_client!(@arg $kind $arg_ty)),*
                ) -> ::core::result::Result<
                    $crate::__grpc_client!(@ok $kind $ret, $crate::__grpc_client!(@error $($err)?)),
                    $crate::__grpc_client!(@error $($err)?),
                > {
                    let method = $crate::__private::grpc::client::Method::<$out> {
                        service: $full_name,
                        method: $rpc,
                        path: ::core::concat!("/", $full_name, "/", $rpc),
                        types: ::core::marker::PhantomData,
                    };
                    let channel = self.inner.clone();
                    $crate::__private::grpc::client::$kind(
                        $request,
                        move |m: $crate::__grpc_client!(@message $kind)| {
                            method.$kind(channel, m)
                        },
                    )
                    .await
                }
            )*
        }
    };
}

//! The gRPC glue macros generated code invokes: per type its domain ↔ prost conversions, per
//! service the adapter (the tower service tonic's router calls) and the typed client, each
//! written once here.
//!
//! A generated file states facts (which field has which conversion kind, which rpc has which
//! path and messages) and these macros expand them; the work is in the runtime
//! (`grpc::convert::Kind` per field, `grpc::service::Rpc` and `grpc::server::{unary, …}` per
//! rpc). Generated code invokes them inside `__if_grpc!`, so they expand only with the `grpc`
//! feature.
//!
//! A field's conversion kind is written as a call, `Opt(Boxed(Message(proto::Node)))`, which
//! [`__grpc_kind!`] turns into the runtime's kind type (`Opt<Boxed<Message<proto::Node>>>`,
//! from `grpc::convert::kinds`, glob-imported inside each generated function, so a kind is
//! written without a path and cannot be shadowed by a user's own items). Calls rather than
//! generic types because the formatter prints a macro's input token by token: `Required(M)`
//! stays readable where `Required < M >` would not.

/// The runtime's kind type for a kind written as a call: `Convert`, `Required(M)`,
/// `Message(M)`, `Opt(K)`, `Boxed(K)`, `List(K)`, `Map(K)` (`M` a prost type, `K` a kind).
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_kind {
    (Required($message:ty)) => { Required<$message> };
    (Message($message:ty)) => { Message<$message> };
    ($kind:ident($($inner:tt)+)) => { $kind<$crate::__grpc_kind!($($inner)+)> };
    ($kind:ident) => { $kind };
}

/// `FromProto` and `IntoProto` between a generated struct and its prost message, one runtime
/// call per field.
///
/// `Domain = proto::Message { field, field(Kind), field("wire"), field("wire", Kind), … }`: a
/// field without a kind is moved (same Rust type on both sides); `"wire"` is the IDL name
/// reported in a violation's path when it is not the field's Rust name. When some prost field
/// is named unlike its domain field, every field is written `field as prost_field(…)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_message {
    (@impls $domain:ty, $proto:path, [$(($field:ident $pfield:ident [$($spec:tt)*]))*]) => {
        impl $crate::__private::grpc::FromProto<$proto> for $domain {
            fn from_proto(
                proto: $proto,
                path: &$crate::__private::validate::Path<'_>,
            ) -> ::core::result::Result<Self, $crate::Violation> {
                #[allow(unused_imports)]
                use $crate::__private::grpc::convert::kinds::*;
                let _ = (&proto, path);
                ::core::result::Result::Ok(Self {
                    $($field: $crate::__grpc_message!(
                        @from proto.$pfield, path, ::core::stringify!($field); $($spec)*
                    ),)*
                })
            }
        }

        impl $crate::__private::grpc::IntoProto<$proto> for $domain {
            fn into_proto(self) -> $proto {
                #[allow(unused_imports)]
                use $crate::__private::grpc::convert::kinds::*;
                $proto {
                    $($pfield: $crate::__grpc_message!(@into self.$field; $($spec)*),)*
                }
            }
        }
    };
    (@from $x:expr, $path:ident, $name:expr;) => { $x };
    (@from $x:expr, $path:ident, $name:expr; $wire:literal) => { $x };
    (@from $x:expr, $path:ident, $name:expr; $wire:literal, $($kind:tt)+) => {
        <$crate::__grpc_kind!($($kind)+) as $crate::__private::grpc::convert::Kind<_, _>>
            ::from_proto($x, &$path.field($wire))?
    };
    (@from $x:expr, $path:ident, $name:expr; $($kind:tt)+) => {
        <$crate::__grpc_kind!($($kind)+) as $crate::__private::grpc::convert::Kind<_, _>>
            ::from_proto($x, &$path.field($name))?
    };
    (@into $x:expr;) => { $x };
    (@into $x:expr; $wire:literal) => { $x };
    (@into $x:expr; $wire:literal, $($kind:tt)+) => {
        $crate::__grpc_message!(@into $x; $($kind)+)
    };
    (@into $x:expr; $($kind:tt)+) => {
        <$crate::__grpc_kind!($($kind)+) as $crate::__private::grpc::convert::Kind<_, _>>
            ::into_proto($x)
    };
    ($domain:ty = $proto:path {
        $($field:ident as $pfield:ident $(($($spec:tt)*))?),* $(,)?
    }) => {
        $crate::__grpc_message!(@impls $domain, $proto,
            [$(($field $pfield [$($($spec)*)?]))*]);
    };
    ($domain:ty = $proto:path { $($field:ident $(($($spec:tt)*))?),* $(,)? }) => {
        $crate::__grpc_message!(@impls $domain, $proto, [$(($field $field [$($($spec)*)?]))*]);
    };
}

/// `FromProto` and `IntoProto` between a domain value and a prost message of one field: a
/// wrapper message .proto needs for a container inside a container (the path stays the
/// container's), or an rpc's `<Rpc>Response { result }` (`result("result", …)`: the path names
/// it).
///
/// `Domain = proto::Wrapper { field("wire", Kind) }`, wire and kind optional as in
/// [`__grpc_message!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_wrapper {
    (@from $x:expr, $path:ident;) => { ::core::result::Result::Ok($x) };
    (@from $x:expr, $path:ident; $wire:literal) => { ::core::result::Result::Ok($x) };
    (@from $x:expr, $path:ident; $wire:literal, $($kind:tt)+) => {
        <$crate::__grpc_kind!($($kind)+) as $crate::__private::grpc::convert::Kind<_, _>>
            ::from_proto($x, &$path.field($wire))
    };
    (@from $x:expr, $path:ident; $($kind:tt)+) => {
        <$crate::__grpc_kind!($($kind)+) as $crate::__private::grpc::convert::Kind<_, _>>
            ::from_proto($x, $path)
    };
    ($domain:ty = $proto:path { $pfield:ident $(($($spec:tt)*))? }) => {
        impl $crate::__private::grpc::FromProto<$proto> for $domain {
            fn from_proto(
                proto: $proto,
                path: &$crate::__private::validate::Path<'_>,
            ) -> ::core::result::Result<Self, $crate::Violation> {
                #[allow(unused_imports)]
                use $crate::__private::grpc::convert::kinds::*;
                let _ = path;
                $crate::__grpc_wrapper!(@from proto.$pfield, path; $($($spec)*)?)
            }
        }

        impl $crate::__private::grpc::IntoProto<$proto> for $domain {
            fn into_proto(self) -> $proto {
                #[allow(unused_imports)]
                use $crate::__private::grpc::convert::kinds::*;
                $proto {
                    $pfield: $crate::__grpc_message!(@into self; $($($spec)*)?),
                }
            }
        }
    };
}

/// `FromProto` and `IntoProto` between a generated union and its prost message, whose `oneof`
/// field `oneof` holds one member per variant.
///
/// `Domain = proto::Message { oneof: proto::message::Oneof { Variant("wire", Kind), … } }`;
/// when some prost member is named unlike its variant, every variant is written
/// `Variant as Member("wire", Kind)`. No member set is a violation.
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_oneof {
    (@impls $domain:ty, $proto:path, $oneof:ident, $members:ty,
        [$(($variant:ident $member:ident $wire:literal [$($kind:tt)+]))*]) => {
        impl $crate::__private::grpc::FromProto<$proto> for $domain {
            fn from_proto(
                proto: $proto,
                path: &$crate::__private::validate::Path<'_>,
            ) -> ::core::result::Result<Self, $crate::Violation> {
                #[allow(unused_imports)]
                use $crate::__private::grpc::convert::kinds::*;
                type __Members = $members;
                match proto.$oneof {
                    $(::core::option::Option::Some(__Members::$member(x)) => {
                        ::core::result::Result::Ok(Self::$variant(
                            <$crate::__grpc_kind!($($kind)+)
                                as $crate::__private::grpc::convert::Kind<_, _>>
                                ::from_proto(x, &path.field($wire))?,
                        ))
                    })*
                    ::core::option::Option::None => ::core::result::Result::Err(
                        $crate::__private::grpc::convert::oneof_not_set(path),
                    ),
                }
            }
        }

        impl $crate::__private::grpc::IntoProto<$proto> for $domain {
            fn into_proto(self) -> $proto {
                #[allow(unused_imports)]
                use $crate::__private::grpc::convert::kinds::*;
                type __Members = $members;
                $proto {
                    $oneof: ::core::option::Option::Some(match self {
                        $(Self::$variant(x) => __Members::$member(
                            <$crate::__grpc_kind!($($kind)+)
                                as $crate::__private::grpc::convert::Kind<_, _>>
                                ::into_proto(x),
                        ),)*
                    }),
                }
            }
        }
    };
    ($domain:ty = $proto:path { $oneof:ident: $members:ty {
        $($variant:ident as $member:ident($wire:literal, $($kind:tt)+)),* $(,)?
    } }) => {
        $crate::__grpc_oneof!(@impls $domain, $proto, $oneof, $members,
            [$(($variant $member $wire [$($kind)+]))*]);
    };
    ($domain:ty = $proto:path { $oneof:ident: $members:ty {
        $($variant:ident($wire:literal, $($kind:tt)+)),* $(,)?
    } }) => {
        $crate::__grpc_oneof!(@impls $domain, $proto, $oneof, $members,
            [$(($variant $variant $wire [$($kind)+]))*]);
    };
}

/// `FromProto<i32>` and `IntoProto<i32>` for a generated enum (its `from_number` and `number`):
/// an undeclared number is a violation naming the enum (`= "Name"` when its IDL name is not the
/// Rust one).
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_enum {
    ($domain:ident) => {
        $crate::__grpc_enum!($domain = ::core::stringify!($domain));
    };
    ($domain:ty = $name:expr) => {
        impl $crate::__private::grpc::FromProto<i32> for $domain {
            fn from_proto(
                number: i32,
                path: &$crate::__private::validate::Path<'_>,
            ) -> ::core::result::Result<Self, $crate::Violation> {
                Self::from_number(number).ok_or_else(|| {
                    $crate::__private::grpc::convert::unknown_enum(number, $name, path)
                })
            }
        }

        impl $crate::__private::grpc::IntoProto<i32> for $domain {
            #[inline]
            fn into_proto(self) -> i32 {
                self.number()
            }
        }
    };
}

/// A service's `GrpcAdapter<S>`: the struct, `new`, `into_service`, its mount, and the tower
/// service tonic's router calls, which matches the request's path to an rpc and serves it with
/// one runtime call (`grpc::service::Rpc::{unary, …}` around `grpc::server::{unary, …}`:
/// decoding, validation, the deadline, errors, compression).
///
/// ```text
/// #[doc = "…"]
/// impl super::Trait, "pkg.Service", super::proto::FILE_DESCRIPTOR_SET;
/// unary "Method"("Service.Method", ProstIn => ProstOut) |request: Domain| method(request.a);
/// server_streaming "Watch"("Service.Watch", () => ProstOut) |_: ()| watch();
/// client_streaming "Record"("Service.Record", ProstIn => ProstOut) |requests: _| record(requests);
/// ```
///
/// Each rpc line gives its .proto name, its name in the request context, its prost messages,
/// and the trait method's arguments after the `Context`.
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_adapter {
    // One answer: compressed only from `min_compressed_size` bytes up.
    (@call unary $request:ident, $name:literal, $config:ident, $handler:expr) => {
        $crate::__private::grpc::server::unary(
            $request, $name, $config.min_compressed_size, $handler,
        )
    };
    (@call client_streaming $request:ident, $name:literal, $config:ident, $handler:expr) => {
        $crate::__private::grpc::server::client_streaming(
            $request, $name, $config.min_compressed_size, $handler,
        )
    };
    // A response stream: its messages follow the stream's coding.
    (@call server_streaming $request:ident, $name:literal, $config:ident, $handler:expr) => {
        $crate::__private::grpc::server::server_streaming($request, $name, $handler)
    };
    (@call streaming $request:ident, $name:literal, $config:ident, $handler:expr) => {
        $crate::__private::grpc::server::streaming($request, $name, $handler)
    };
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
                parts.grpc_services.add(
                    $full_name,
                    $descriptors,
                    move |routes, options| routes.add_service(adapter.into_service(options)),
                );
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
                let config = self.config;
                match req.uri().path() {
                    $(::core::concat!("/", $full_name, "/", $rpc) => {
                        let inner = ::std::sync::Arc::clone(&self.inner);
                        ::std::boxed::Box::pin(
                            $crate::__private::grpc::service::Rpc::<$in, $out>::$kind(
                                req,
                                config,
                                move |request| $crate::__grpc_adapter!(@call $kind request, $name,
                                    config, move |ctx, $req: $rty| async move {
                                        inner.$call(ctx $(, $arg)*).await
                                    }),
                            ),
                        )
                    })*
                    path => $crate::__private::grpc::service::unimplemented(path),
                }
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
/// unary get(id: String) -> super::Item, GetError = "Get"(ProstIn => ProstOut, super::GetRequest { id });
/// server_streaming watch() -> super::Event = "Watch"(() => ProstOut, ());
/// client_streaming upload(requests: super::Chunk) -> super::Summary = "Upload"(ProstIn => ProstOut, requests);
/// ```
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
    (@message unary $in:ty) => { $in };
    (@message server_streaming $in:ty) => { $in };
    (@message client_streaming $in:ty) => {
        $crate::__private::grpc::client::OutgoingMessages<$in>
    };
    (@message streaming $in:ty) => {
        $crate::__private::grpc::client::OutgoingMessages<$in>
    };
    (@ok unary $ret:ty, $err:ty) => { $ret };
    (@ok client_streaming $ret:ty, $err:ty) => { $ret };
    (@ok server_streaming $ret:ty, $err:ty) => { $crate::Streaming<$ret, $err> };
    (@ok streaming $ret:ty, $err:ty) => { $crate::Streaming<$ret, $err> };
    (
        $(#[$attr:meta])*
        $full_name:literal;
        $($(#[$method_attr:meta])*
        $kind:ident $method:ident($($arg:ident: $arg_ty:ty),*) -> $ret:ty $(, $err:ty)?
            = $rpc:literal($in:ty => $out:ty, $request:expr);)*
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

            /// The underlying tonic client (`tonic::client::Grpc`), for calls with prost
            /// messages, metadata, compression and limits.
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
                    let method = $crate::__private::grpc::client::Method::<$in, $out> {
                        service: $full_name,
                        method: $rpc,
                        path: ::core::concat!("/", $full_name, "/", $rpc),
                        types: ::core::marker::PhantomData,
                    };
                    let channel = self.inner.clone();
                    $crate::__private::grpc::client::$kind(
                        $request,
                        move |m: $crate::__grpc_client!(@message $kind $in)| {
                            method.$kind(channel, m)
                        },
                    )
                    .await
                }
            )*
        }
    };
}

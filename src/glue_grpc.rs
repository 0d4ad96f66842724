//! The gRPC glue macros generated code invokes: per type its domain ↔ prost conversions, per
//! service the tonic adapter and the typed client, each written once here.
//!
//! A generated file states facts (which field has which conversion kind, which rpc is which
//! tonic method) and these macros expand them; the work is in the runtime
//! (`grpc::convert::Kind` per field, `grpc::server::{unary, …}` per rpc). Generated code
//! invokes them inside `__if_grpc!`, so they expand only with the `grpc` feature.
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

/// A service's `GrpcAdapter<S>`: the struct, `new`, `into_service`, its mount, and tonic's
/// generated server trait implemented by one runtime call per rpc (`grpc::server::unary`,
/// `server_streaming`, `client_streaming` or `streaming`: decoding, validation, the deadline,
/// errors, compression).
///
/// ```text
/// #[doc = "…"]
/// impl super::Trait => super::proto::trait_server { TonicTrait, TonicServer },
///     "pkg.Service", super::proto::FILE_DESCRIPTOR_SET;
/// unary tonic_method("Service.Method", ProstIn => ProstOut) |request: Domain| method(request.a);
/// server_streaming watch[WatchStream]("Service.Watch", () => ProstOut) |_: ()| watch();
/// client_streaming record("Service.Record", ProstIn => ProstOut) |requests: _| record(requests);
/// ```
///
/// The closure's arguments are what the trait method takes after the `Context`.
#[doc(hidden)]
#[macro_export]
macro_rules! __grpc_adapter {
    (@request unary $in:ty) => { $crate::__private::tonic::Request<$in> };
    (@request server_streaming $in:ty) => { $crate::__private::tonic::Request<$in> };
    (@request client_streaming $in:ty) => {
        $crate::__private::tonic::Request<$crate::__private::tonic::Streaming<$in>>
    };
    (@request streaming $in:ty) => {
        $crate::__private::tonic::Request<$crate::__private::tonic::Streaming<$in>>
    };
    (@response $out:ty, []) => { $crate::__private::tonic::Response<$out> };
    (@response $out:ty, [$stream:ident]) => { $crate::__private::tonic::Response<Self::$stream> };
    (@stream $out:ty, []) => {};
    (@stream $out:ty, [$stream:ident]) => {
        type $stream = $crate::__private::grpc::server::ResponseStream<$out>;
    };
    // One answer: compressed only from `min` bytes up.
    (@call unary $request:ident, $name:literal, $min:ident, $handler:expr) => {
        $crate::__private::grpc::server::unary($request, $name, $min, $handler)
    };
    (@call client_streaming $request:ident, $name:literal, $min:ident, $handler:expr) => {
        $crate::__private::grpc::server::client_streaming($request, $name, $min, $handler)
    };
    // A response stream: its messages follow the stream's coding.
    (@call server_streaming $request:ident, $name:literal, $min:ident, $handler:expr) => {{
        let _ = $min;
        $crate::__private::grpc::server::server_streaming($request, $name, $handler)
    }};
    (@call streaming $request:ident, $name:literal, $min:ident, $handler:expr) => {{
        let _ = $min;
        $crate::__private::grpc::server::streaming($request, $name, $handler)
    }};
    (
        $(#[$attr:meta])*
        impl $trait:path => $($server:ident)::+ { $tonic_trait:ident, $service:ident },
            $full_name:literal, $descriptors:expr;
        $($kind:ident $method:ident $([$stream:ident])? ($name:literal, $in:ty => $out:ty)
            |$req:tt: $rty:ty| $call:ident($($arg:expr),*);)*
    ) => {
        $(#[$attr])*
        pub struct GrpcAdapter<S> {
            inner: ::std::sync::Arc<S>,
            /// Responses smaller than this are never compressed (`GrpcOptions::compression_min_size`).
            min_compressed_size: usize,
        }

        impl<S> GrpcAdapter<S> {
            /// Wraps a shared implementation.
            pub fn new(inner: ::std::sync::Arc<S>) -> Self {
                Self {
                    inner,
                    min_compressed_size:
                        $crate::__private::grpc::server::DEFAULT_COMPRESSION_MIN_SIZE,
                }
            }
        }

        impl<S: $trait> GrpcAdapter<S> {
            /// The tonic service, with the message size limits and the request and response
            /// codings of `options`.
            pub fn into_service(
                mut self,
                options: &$crate::__private::grpc::GrpcOptions,
            ) -> $($server)::+::$service<Self> {
                self.min_compressed_size = options.compression_min_size;
                let mut service = $($server)::+::$service::new(self)
                    .max_decoding_message_size(options.max_decoding_message_size)
                    .max_encoding_message_size(options.max_encoding_message_size);
                for &encoding in &options.accept_compression {
                    service = service.accept_compressed(encoding);
                }
                for &encoding in &options.send_compression {
                    service = service.send_compressed(encoding);
                }
                service
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

        // tonic's server trait is an `async_trait`; each method is written as what that
        // attribute makes of an `async fn` (the boxed future), boxing the runtime call's future
        // itself: an `async` block around it would hold the request twice (captured, then
        // passed on), and the box would outgrow the allocator's fast path. It is also one state
        // machine less per rpc for rustc to type-check and lay out (issue 17).
        impl<S: $trait> $($server)::+::$tonic_trait for GrpcAdapter<S> {
            $(
                $crate::__grpc_adapter!(@stream $out, [$($stream)?]);

                fn $method<'life0, 'async_trait>(
                    &'life0 self,
                    request: $crate::__grpc_adapter!(@request $kind $in),
                ) -> ::core::pin::Pin<::std::boxed::Box<
                    dyn ::core::future::Future<
                        Output = ::core::result::Result<
                            $crate::__grpc_adapter!(@response $out, [$($stream)?]),
                            $crate::__private::tonic::Status,
                        >,
                    > + ::core::marker::Send + 'async_trait,
                >>
                where
                    'life0: 'async_trait,
                    Self: 'async_trait,
                {
                    let inner = &self.inner;
                    let min = self.min_compressed_size;
                    ::std::boxed::Box::pin($crate::__grpc_adapter!(@call $kind request, $name, min,
                        move |ctx, $req: $rty| inner.$call(ctx $(, $arg)*)))
                }
            )*
        }
    };
}

/// A service's typed `GrpcClient`: the struct, its constructors and settings, and one method per
/// rpc, each one runtime call (`grpc::client::unary`, `server_streaming`, `client_streaming` or
/// `streaming`: the request as its message, a failing status as the rpc's typed error, the
/// response read back).
///
/// ```text
/// #[doc = "…"]
/// super::proto::trait_client::TraitClient;
/// #[doc = " Fetch one."] unary get(id: String) -> super::Item, GetError = get(super::GetRequest { id });
/// server_streaming watch() -> super::Event = watch(());
/// client_streaming upload(requests: super::Chunk) -> super::Summary = upload(requests);
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
    (@ok unary $ret:ty, $err:ty) => { $ret };
    (@ok client_streaming $ret:ty, $err:ty) => { $ret };
    (@ok server_streaming $ret:ty, $err:ty) => { $crate::Streaming<$ret, $err> };
    (@ok streaming $ret:ty, $err:ty) => { $crate::Streaming<$ret, $err> };
    (
        $(#[$attr:meta])*
        $($client:ident)::+;
        $($(#[$method_attr:meta])*
        $kind:ident $method:ident($($arg:ident: $arg_ty:ty),*) -> $ret:ty $(, $err:ty)?
            = $tonic:ident($request:expr);)*
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone)]
        pub struct GrpcClient {
            inner: $($client)::+<$crate::__private::tonic::transport::Channel>,
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
                let mut inner = $($client)::+::new(channel);
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

            /// The underlying tonic client (prost messages), for metadata, compression and limits.
            pub fn tonic(
                &mut self,
            ) -> &mut $($client)::+<$crate::__private::tonic::transport::Channel> {
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
                    let mut client = self.inner.clone();
                    $crate::__private::grpc::client::$kind(
                        $request,
                        move |m| async move { client.$tonic(m).await },
                    )
                    .await
                }
            )*
        }
    };
}

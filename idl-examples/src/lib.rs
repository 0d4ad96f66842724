//! The example IDLs compiled by a real `build.rs`, as a user's crate would be, under
//! `#![deny(warnings)]`: `seed` (the seed's four examples), `shop` (every IDL feature) and the
//! naming obstacle course (keywords and prelude names everywhere), `validator1` (the classic
//! XML-RPC suite: `any`, open structs, nested maps), `stream_demo` (the three kinds of stream), `grpc_testing` (gRPC's interop test service) — plus
//! the services that the `seed`, `shop`
//! and `validator1` binaries serve.

#![deny(warnings)]

pub mod interop_service;
pub mod kafka;
pub mod seed_service;
pub mod shop_service;
pub mod stream_service;
pub mod validator1_service;

use rosetta::server::Server;
use tokio::sync::watch;

/// `seed.idl`: the seed's four examples (no package, like the seed's Greeter .proto).
pub mod seed {
    rosetta::include_idl!("_");
}

/// `shop.idl` and the `common.idl` it imports.
pub mod shop {
    /// `shop.common`.
    pub mod common {
        rosetta::include_idl!("shop.common");
    }
    /// `shop.v1`.
    pub mod v1 {
        rosetta::include_idl!("shop.v1");
    }
}

/// `naming_obstacle_course.idl`: package `obstacle.type.self`.
pub mod obstacle {
    /// `obstacle.type`.
    pub mod r#type {
        /// `obstacle.type.self`.
        pub mod self_ {
            rosetta::include_idl!("obstacle.type.self");
        }
    }
}

/// `stream_demo.idl`: package `streams` (a server, a client and a bidirectional stream).
pub mod streams {
    rosetta::include_idl!("streams");
}

/// The stream demo's service on one server (gRPC and REST; XML-RPC cannot stream).
pub fn stream_server_with(service: stream_service::StreamDemo) -> Server {
    Server::new().mount(streams::demo::Server::new(service))
}

/// `grpc_testing.idl`: package `grpc.testing`, gRPC's interop test service.
pub mod grpc {
    /// `grpc.testing`.
    pub mod testing {
        rosetta::include_idl!("grpc.testing");
    }
}

/// gRPC's interop test service on one server (gRPC; its unary rpcs on REST and XML-RPC too).
pub fn interop_server() -> Server {
    Server::new().mount(grpc::testing::test_service::Server::new(
        interop_service::Interop,
    ))
}

/// `validator1.idl`: package `validator1`.
pub mod validator1 {
    rosetta::include_idl!("validator1");
}

/// The validator1 suite on one server (XML-RPC, REST and gRPC).
pub fn validator1_server() -> Server {
    Server::new().mount(validator1::validator::Server::new(
        validator1_service::Validator1Service,
    ))
}

/// The seed's request/response services on one server: XML-RPC `add`, REST `GET /data`, gRPC
/// `Greeter/SayHello` (each also reachable on the other protocols, gRPC-Web and Connect
/// included). Any browser origin may call it (CORS): the seed is a public demo with no token.
pub fn seed_server() -> Server {
    let s = seed_service::Seed;
    Server::new()
        .cors(rosetta::web::cors::Cors::any())
        .mount(seed::calculator::Server::new(s))
        .mount(seed::data_service::Server::new(s))
        .mount(seed::greeter::Server::new(s))
}

/// The shop's services over `shop`'s store.
pub fn shop_server_with(shop: shop_service::Shop) -> Server {
    Server::new()
        .mount(shop::v1::catalog::Server::new(shop.clone()))
        .mount(shop::v1::orders::Server::new(shop))
}

/// The shop's services over a fresh in-memory store.
pub fn shop_server() -> Server {
    shop_server_with(shop_service::Shop::new())
}

/// An authentication hook for `Server::authenticate`: every call must carry
/// `Authorization: Bearer <token>`; anything else is refused as `unauthenticated`, which each
/// protocol answers in its own terms (XML-RPC fault 16, REST 401, gRPC `UNAUTHENTICATED`). The
/// runtime's [`rosetta::server::bearer_token`]: the token is compared in constant time.
pub fn bearer_auth(
    token: &str,
) -> impl Fn(&rosetta::server::RequestParts) -> Result<(), rosetta::Status> + Send + Sync + 'static
{
    rosetta::server::bearer_token(token)
}

/// SIGINT and SIGTERM, listened for from the moment [`shutdown_on_signal`] returns: the examples
/// call it before they announce anything, so a signal at any point of start-up (while the Kafka
/// side starts, before the server runs) stops them cleanly instead of being ignored (a background
/// job's inherited `SIG_IGN` for SIGINT) or killing them (SIGTERM's default action, status 143).
#[derive(Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    /// Completes once a signal has arrived (at once if one already has).
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.0.clone();
        async move {
            // An error means the listening task is gone, which happens only once it has fired.
            let _ = rx.wait_for(|signalled| *signalled).await;
        }
    }
}

/// Installs the SIGINT and SIGTERM handlers now (tokio registers a Unix signal when the stream is
/// created, not when it is first polled) and returns what completes when either arrives. Must be
/// called inside the tokio runtime.
pub fn shutdown_on_signal() -> std::io::Result<ShutdownSignal> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        let _ = tx.send(true);
    });
    Ok(ShutdownSignal(rx))
}

//! What the gRPC benchmarks share: the generated Greeter, the same logic behind the generated
//! trait and by hand on tonic, and the servers they run on (`src/main.rs` measures unary calls,
//! `src/bin/streams.rs` server and bidirectional streams). Each server runs as its own process
//! (the executable's `serve` mode), so its CPU time is its own.

use std::pin::Pin;
use std::sync::Arc;

use futures_util::{Stream, StreamExt};

/// The generated code.
#[allow(missing_docs)]
pub mod api {
    rosetta::include_idl!("_");
}

/// The same Greeter as tonic-build writes it from the same descriptors: the hand-written
/// baseline's server trait and the load clients (both sides are called by the same client).
#[allow(missing_docs, clippy::all)]
pub mod tonic_api {
    include!(concat!(env!("OUT_DIR"), "/tonic/_.rs"));
}

use tonic_api::greeter_server::{Greeter as TonicGreeter, GreeterServer};

/// One `SayHello("world")` from a tonic client, as every load driver makes it: whether the
/// answer came back right.
pub async fn say_hello_world(
    client: &mut tonic_api::greeter_client::GreeterClient<tonic::transport::Channel>,
) -> bool {
    let request = tonic_api::HelloRequest {
        name: "world".to_string(),
    };
    client
        .say_hello(request)
        .await
        .is_ok_and(|r| r.get_ref().message == "Hello, world!")
}

/// The logic, behind the generated Rosetta trait.
pub struct Generated;

impl api::Greeter for Generated {
    async fn say_hello(
        &self,
        _ctx: rosetta::Context,
        request: api::HelloRequest,
    ) -> Result<api::HelloResponse, rosetta::Status> {
        Ok(api::HelloResponse {
            message: format!("Hello, {}!", request.name),
        })
    }

    async fn feed(
        &self,
        _ctx: rosetta::Context,
        request: api::FeedRequest,
    ) -> Result<rosetta::Streaming<api::HelloResponse>, rosetta::Status> {
        Ok(rosetta::stream::iter((0..request.count).map(|i| {
            api::HelloResponse {
                message: format!("Hello, {i}!"),
            }
        })))
    }

    async fn echo(
        &self,
        _ctx: rosetta::Context,
        requests: rosetta::Streaming<api::HelloRequest>,
    ) -> Result<rosetta::Streaming<api::HelloResponse>, rosetta::Status> {
        Ok(Box::pin(requests.map(|request| {
            request.map(|r| api::HelloResponse {
                message: format!("Hello, {}!", r.name),
            })
        })))
    }
}

/// A stream of hand-written tonic responses.
type TonicStream =
    Pin<Box<dyn Stream<Item = Result<tonic_api::HelloResponse, tonic::Status>> + Send>>;

/// The same logic, by hand on tonic's server trait.
pub struct Hand;

#[tonic::async_trait]
impl TonicGreeter for Hand {
    async fn say_hello(
        &self,
        request: tonic::Request<tonic_api::HelloRequest>,
    ) -> Result<tonic::Response<tonic_api::HelloResponse>, tonic::Status> {
        let name = request.into_inner().name;
        Ok(tonic::Response::new(tonic_api::HelloResponse {
            message: format!("Hello, {name}!"),
        }))
    }

    type FeedStream = TonicStream;

    async fn feed(
        &self,
        request: tonic::Request<tonic_api::FeedRequest>,
    ) -> Result<tonic::Response<TonicStream>, tonic::Status> {
        let count = request.into_inner().count;
        let feed = futures_util::stream::iter((0..count).map(|i| {
            Ok(tonic_api::HelloResponse {
                message: format!("Hello, {i}!"),
            })
        }));
        Ok(tonic::Response::new(Box::pin(feed)))
    }

    type EchoStream = TonicStream;

    async fn echo(
        &self,
        request: tonic::Request<tonic::Streaming<tonic_api::HelloRequest>>,
    ) -> Result<tonic::Response<TonicStream>, tonic::Status> {
        let echoes = request.into_inner().map(|request| {
            request.map(|r| tonic_api::HelloResponse {
                message: format!("Hello, {}!", r.name),
            })
        });
        Ok(tonic::Response::new(Box::pin(echoes)))
    }
}

/// Which server a round measures.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Kind {
    /// The generated Greeter on the one-port server (`rosetta::server::Server`).
    Generated,
    /// The same logic by hand on tonic's own server.
    Hand,
    /// Diagnostic: the generated adapter on tonic's own server (isolates the adapter's cost from
    /// the one-port server's).
    AdapterOnTonic,
}

impl Kind {
    /// The name `serve` takes.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Generated => "generated",
            Kind::Hand => "hand",
            Kind::AdapterOnTonic => "adapter",
        }
    }

    /// Starts this kind of server as its own process (`rosetta-bench-grpc serve NAME`), pinned to
    /// the server's core.
    pub fn spawn(self) -> rosetta_bench_support::ServerProcess {
        rosetta_bench_support::ServerProcess::spawn_sibling(
            "rosetta-bench-grpc",
            &["serve", self.name()],
        )
    }
}

/// The accepted connections of a tonic server as `Server::serve` makes them by default, and as
/// Rosetta's server makes its own: `TCP_NODELAY` on. (`TcpIncoming::from` leaves Nagle's
/// algorithm on, which batches the answers of concurrent calls into fewer segments and made the
/// baseline look cheaper in the kernel than the server it is compared with.)
fn incoming(listener: tokio::net::TcpListener) -> tonic::transport::server::TcpIncoming {
    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// The server mode of the benchmark's executable: serves `kind` on one worker thread, printing
/// the port first, until killed.
pub fn serve(kind: &str) {
    let kind = kind.to_owned();
    rosetta_bench_support::serve_one_thread(|listener| async move {
        match kind.as_str() {
            "generated" => {
                let server =
                    rosetta::server::Server::new().mount(api::greeter::Server::new(Generated));
                server.serve(listener).await.expect("serve");
            }
            "adapter" => {
                let adapter = api::greeter::GrpcAdapter::new(Arc::new(Generated))
                    .into_service(&rosetta::grpc::GrpcOptions::default());
                tonic::transport::Server::builder()
                    .add_service(adapter)
                    .serve_with_incoming(incoming(listener))
                    .await
                    .expect("serve");
            }
            "hand" => {
                tonic::transport::Server::builder()
                    .add_service(GreeterServer::new(Hand))
                    .serve_with_incoming(incoming(listener))
                    .await
                    .expect("serve");
            }
            other => panic!("no server {other:?}: generated, hand or adapter"),
        }
    });
}

//! What the gRPC benchmarks share: the generated Greeter, the same logic behind the generated
//! trait and by hand on tonic, and the servers they run on (`src/main.rs` measures unary calls,
//! `src/bin/streams.rs` server and bidirectional streams).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt};

/// The generated code.
#[allow(missing_docs)]
pub mod api {
    rosetta::include_idl!("_");
}

use api::proto::greeter_server::{Greeter as TonicGreeter, GreeterServer};

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
    Pin<Box<dyn Stream<Item = Result<api::proto::HelloResponse, tonic::Status>> + Send>>;

/// The same logic, by hand on tonic's server trait.
pub struct Hand;

#[tonic::async_trait]
impl TonicGreeter for Hand {
    async fn say_hello(
        &self,
        request: tonic::Request<api::proto::HelloRequest>,
    ) -> Result<tonic::Response<api::proto::HelloResponse>, tonic::Status> {
        let name = request.into_inner().name;
        Ok(tonic::Response::new(api::proto::HelloResponse {
            message: format!("Hello, {name}!"),
        }))
    }

    type FeedStream = TonicStream;

    async fn feed(
        &self,
        request: tonic::Request<api::proto::FeedRequest>,
    ) -> Result<tonic::Response<TonicStream>, tonic::Status> {
        let count = request.into_inner().count;
        let feed = futures_util::stream::iter((0..count).map(|i| {
            Ok(api::proto::HelloResponse {
                message: format!("Hello, {i}!"),
            })
        }));
        Ok(tonic::Response::new(Box::pin(feed)))
    }

    type EchoStream = TonicStream;

    async fn echo(
        &self,
        request: tonic::Request<tonic::Streaming<api::proto::HelloRequest>>,
    ) -> Result<tonic::Response<TonicStream>, tonic::Status> {
        let echoes = request.into_inner().map(|request| {
            request.map(|r| api::proto::HelloResponse {
                message: format!("Hello, {}!", r.name),
            })
        });
        Ok(tonic::Response::new(Box::pin(echoes)))
    }
}

/// Which server a round measures.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Kind {
    Generated,
    Hand,
    /// Diagnostic: the generated adapter on tonic's own server (isolates the adapter's cost from
    /// the one-port server's).
    AdapterOnTonic,
}

/// Starts a server on its own single-threaded runtime; returns its address and a stop switch.
pub fn start(
    kind: Kind,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            addr_tx
                .send(listener.local_addr().expect("addr"))
                .expect("send addr");
            let stop = async {
                let _ = stop_rx.await;
            };
            match kind {
                Kind::Generated => {
                    let server =
                        rosetta::server::Server::new().mount(api::greeter::Server::new(Generated));
                    server
                        .serve_with_shutdown(listener, stop)
                        .await
                        .expect("serve");
                }
                Kind::AdapterOnTonic => {
                    let adapter = api::greeter::GrpcAdapter::new(Arc::new(Generated))
                        .into_service(&rosetta::grpc::GrpcOptions::default());
                    tonic::transport::Server::builder()
                        .add_service(adapter)
                        .serve_with_incoming_shutdown(
                            tonic::transport::server::TcpIncoming::from(listener),
                            stop,
                        )
                        .await
                        .expect("serve");
                }
                Kind::Hand => {
                    tonic::transport::Server::builder()
                        .add_service(GreeterServer::new(Hand))
                        .serve_with_incoming_shutdown(
                            tonic::transport::server::TcpIncoming::from(listener),
                            stop,
                        )
                        .await
                        .expect("serve");
                }
            }
        });
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("server started");
    (addr, stop_tx, thread)
}

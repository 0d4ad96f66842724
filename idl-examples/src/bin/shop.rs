//! `shop`: a realistic service using every IDL feature, over an in-memory store, on one port, with
//! its events published to Kafka.
//!
//! ```text
//! cargo run -p rosetta-examples --bin shop -- --listen 127.0.0.1:8081 [--kafka BOOTSTRAP] \
//!     [--cors-origin https://app.example]...
//! ```

use clap::Parser;

/// Serves `shop.idl`'s Catalog and Orders.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The address to serve XML-RPC, REST and gRPC on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: String,
    /// Kafka bootstrap servers; without it an embedded broker is started.
    #[arg(long)]
    kafka: Option<String>,
    /// The bearer token every call must carry (`Authorization: Bearer TOKEN`).
    #[arg(long, default_value = "secret")]
    token: String,
    /// Serve without authentication.
    #[arg(long)]
    no_auth: bool,
    /// A browser origin allowed to call (CORS), `scheme://host[:port]`; repeat for several, or
    /// `*` for any. Without it, browser pages on other origins cannot read the answers.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origin: Vec<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    // Before anything is announced: a signal at any later point stops the process cleanly.
    let signal = rosetta_examples::shutdown_on_signal()?;
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("shop listening on http://{}", listener.local_addr()?);
    let (shop, kafka) = tokio::select! {
        started = rosetta_examples::kafka::start_shop(args.kafka.as_deref()) => started?,
        // Stopped while starting: nothing was served or consumed yet. Exit at once rather than
        // wait for librdkafka's threads (and a half-started embedded broker) to wind down.
        () = signal.wait() => std::process::exit(0),
    };
    let mut server = rosetta_examples::shop_server_with(shop);
    if args.cors_origin.iter().any(|o| o == "*") {
        println!("CORS: any origin may call");
        server = server.cors(rosetta::web::cors::Cors::any());
    } else if !args.cors_origin.is_empty() {
        let cors = rosetta::web::cors::Cors::origins(&args.cors_origin)?;
        println!("CORS: origins allowed: {}", args.cors_origin.join(", "));
        server = server.cors(cors);
    }
    if !args.no_auth {
        println!("calls need `Authorization: Bearer {}`", args.token);
        server = server.authenticate(rosetta_examples::bearer_auth(&args.token));
    }
    server.serve_with_shutdown(listener, signal.wait()).await?;
    rosetta_examples::kafka::stop(kafka).await
}

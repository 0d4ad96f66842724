//! `seed`: the seed's four examples on one port — XML-RPC `add` at `/RPC2`, REST `GET /data`,
//! gRPC `Greeter/SayHello` — and the seed's Kafka record on `my-topic`.
//!
//! ```text
//! cargo run -p rosetta-examples --bin seed -- --listen 127.0.0.1:8080 [--kafka BOOTSTRAP]
//! ```

use clap::Parser;

/// Serves the seed's four examples from `seed.idl`.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The address to serve XML-RPC, REST and gRPC on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Kafka bootstrap servers; without it an embedded broker is started.
    #[arg(long)]
    kafka: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    // Before anything is announced: a signal at any later point stops the process cleanly.
    let signal = rosetta_examples::shutdown_on_signal()?;
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("seed listening on http://{}", listener.local_addr()?);
    println!("CORS: any origin may call (browser pages on other sites included; no token needed)");
    let kafka = tokio::select! {
        kafka = rosetta_examples::kafka::start_seed(args.kafka.as_deref()) => kafka?,
        // Stopped while starting: nothing was served or consumed yet. Exit at once rather than
        // wait for librdkafka's threads (and a half-started embedded broker) to wind down.
        () = signal.wait() => std::process::exit(0),
    };
    rosetta_examples::seed_server()
        .serve_with_shutdown(listener, signal.wait())
        .await?;
    rosetta_examples::kafka::stop(kafka).await
}

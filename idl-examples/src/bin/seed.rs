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
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("seed listening on http://{}", listener.local_addr()?);
    let kafka = rosetta_examples::kafka::start_seed(args.kafka.as_deref()).await?;
    rosetta_examples::seed_server().serve(listener).await?;
    rosetta_examples::kafka::stop(kafka).await
}

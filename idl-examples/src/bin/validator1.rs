//! `validator1`: the classic XML-RPC validator1 suite (`validator1.idl`) on one port — XML-RPC at
//! `/RPC2`, and the same eight methods over REST and gRPC.
//!
//! ```text
//! cargo run -p rosetta-examples --bin validator1 -- --listen 127.0.0.1:8080
//! ```

use clap::Parser;

/// Serves the validator1 suite from `validator1.idl`.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The address to serve XML-RPC, REST and gRPC on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("validator1 listening on http://{}", listener.local_addr()?);
    rosetta_examples::validator1_server()
        .serve(listener)
        .await?;
    Ok(())
}

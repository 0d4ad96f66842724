//! The benchmark's load generator: the same pre-encoded XML-RPC calls (as Python's
//! `xmlrpc.client` writes them) sent over HTTP/1.1 to any server, counting successful responses.
//!
//! `load HOST:PORT CALL SECONDS CONNECTIONS [close]` with CALL one of `add`, `getProduct`,
//! `search`; prints `<requests/s> <ok> <errors>`. Connections are kept alive when the server
//! allows it and reopened when it closes them (Python's `SimpleXMLRPCServer` answers HTTP/1.0 and
//! closes); with `close`, every request asks for a new connection (`connection: close`).
//! Runs on one thread pinned to the load generator's core (bench/support).

use rosetta_bench_support::{drive, http1_worker, pin_load_generator};
use rosetta_bench_xmlrpc::{is_result, request};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    pin_load_generator();
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: load HOST:PORT add|getProduct|search SECONDS CONNECTIONS [close]";
    let (Some(addr), Some(call), Some(secs), Some(conns)) =
        (args.get(1), args.get(2), args.get(3), args.get(4))
    else {
        return Err(usage.into());
    };
    let close = match args.get(5).map(String::as_str) {
        None => false,
        Some("close") => true,
        Some(_) => return Err(usage.into()),
    };
    let addr = addr.parse()?;
    let request = request(addr, call, close).ok_or(usage)?;
    // The server's CPU is not counted here (the pid is this process's own).
    let s = drive(std::process::id(), conns.parse()?, secs.parse()?, |tally| {
        http1_worker(tally, addr, request.clone(), is_result)
    });
    println!("{:.0} {} {}", s.rate(), s.count, s.errors);
    Ok(())
}

//! XML-RPC codec throughput: decoding (and encoding) against a bare quick-xml event pull loop
//! over the same documents, with the decode/bare ratio printed at the end.
//!
//! Run with `cargo bench -p rosetta-runtime --features xmlrpc --bench xmlrpc_codec`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use rosetta_runtime::xmlrpc::{self, Limits, Timestamp, Value};

/// A typical small call, as Python's `xmlrpc.client` writes it.
const SMALL_CALL: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>catalog.search</methodName>\n<params>\n<param>\n<value><string>red shoes &amp; socks</string></value>\n</param>\n<param>\n<value><int>20</int></value>\n</param>\n<param>\n<value><struct>\n<member>\n<name>in_stock</name>\n<value><boolean>1</boolean></value>\n</member>\n<member>\n<name>since</name>\n<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodCall>\n";

/// A response of about 1 MB: an array of product structs.
fn big_response() -> Vec<u8> {
    let mut items = Vec::new();
    let mut body = Vec::new();
    let mut i: i64 = 0;
    while body.len() < 1 << 20 {
        for _ in 0..256 {
            items.push(Value::structure([
                ("id", Value::from(format!("product-{i}"))),
                (
                    "name",
                    Value::from(format!("Red shoe <size {}> & lace", i % 47)),
                ),
                ("price_cents", Value::from(i * 1_000_003)),
                ("ratio", Value::Double(i as f64 / 7.0)),
                ("active", Value::Bool(i % 3 == 0)),
                (
                    "tags",
                    Value::Array(vec![Value::from("shoes"), Value::from("red")]),
                ),
                (
                    "updated",
                    Value::DateTime(
                        Timestamp::from_unix(1_700_000_000 + i, 0).unwrap_or(Timestamp::UNIX_EPOCH),
                    ),
                ),
            ]));
            i += 1;
        }
        body = xmlrpc::encode_response(&Value::Array(items.clone()));
    }
    body
}

/// The floor: read every event of `doc` with quick-xml and build nothing.
fn bare_pull(doc: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(doc) else {
        return 0;
    };
    let mut reader = Reader::from_str(text);
    let mut n = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => return n,
            Ok(ev) => {
                black_box(&ev);
                n += 1;
            }
        }
    }
}

fn decode_call(doc: &[u8]) -> usize {
    match xmlrpc::decode_method_call(doc, &Limits::default()) {
        Ok(c) => c.params.len(),
        Err(_) => 0,
    }
}

fn decode_response(doc: &[u8]) -> usize {
    match xmlrpc::decode_method_response(doc, &Limits::default()) {
        Ok(Ok(v)) => v.as_array().map_or(1, <[Value]>::len),
        _ => 0,
    }
}

/// Mean time per run of `f` over about `budget`.
fn time_per_run(budget: Duration, mut f: impl FnMut() -> usize) -> Duration {
    let mut runs = 0u32;
    let start = Instant::now();
    while start.elapsed() < budget || runs < 3 {
        black_box(f());
        runs += 1;
    }
    start.elapsed() / runs
}

fn mb_per_s(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / t.as_secs_f64() / 1e6
}

/// A decoder under measurement: the number of items it read (kept, so nothing is optimised out).
type Decoder = fn(&[u8]) -> usize;

/// A named benchmark document and the codec function that decodes it.
type Doc<'a> = (&'a str, &'a [u8], Decoder);

/// Prints MB/s for the codec and the bare loop on each document, and their ratio.
fn print_ratios(docs: &[Doc<'_>], budget: Duration) {
    println!("\nXML-RPC decode vs bare quick-xml pull loop (same documents):");
    for (name, doc, decode) in docs {
        let codec = time_per_run(budget, || decode(doc));
        let bare = time_per_run(budget, || bare_pull(doc));
        println!(
            "  {name:<16} {:>8} B  codec {:>8.1} MB/s  bare {:>8.1} MB/s  codec/bare time ratio {:.2}x",
            doc.len(),
            mb_per_s(doc.len(), codec),
            mb_per_s(doc.len(), bare),
            codec.as_secs_f64() / bare.as_secs_f64(),
        );
    }
}

/// `--instructions WHAT N`: runs one decoder `N` times and nothing else, for instruction counts
/// under callgrind (scripts/bench.sh subtracts a run with `N` = 0, which leaves the document's
/// construction out). WHAT: `decode-small`, `bare-small`, `decode-1mb`, `bare-1mb`.
fn count_instructions(what: &str, n: usize, small: &[u8], big: &[u8]) {
    let (doc, f): (&[u8], Decoder) = match what {
        "decode-small" => (small, decode_call),
        "bare-small" => (small, bare_pull),
        "decode-1mb" => (big, decode_response),
        "bare-1mb" => (big, bare_pull),
        other => panic!("--instructions {other}: decode-small, bare-small, decode-1mb or bare-1mb"),
    };
    for _ in 0..n {
        black_box(f(black_box(doc)));
    }
}

fn main() {
    let big = big_response();
    let small = SMALL_CALL.as_bytes();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--instructions") {
        let what = args.get(i + 1).map_or("", String::as_str);
        let n = args.get(i + 2).and_then(|n| n.parse().ok()).unwrap_or(1);
        count_instructions(what, n, small, &big);
        return;
    }
    let big_value = match xmlrpc::decode_method_response(&big, &Limits::default()) {
        Ok(Ok(v)) => v,
        other => panic!("benchmark document does not decode: {other:?}"),
    };
    let docs: [Doc<'_>; 2] = [
        ("small call", small, decode_call),
        ("1 MB response", &big, decode_response),
    ];
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then one quick pass.
    let benchmarking = std::env::args().any(|a| a == "--bench");

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    for (name, doc, decode) in docs {
        let mut g = c.benchmark_group(format!("xmlrpc/{name}"));
        g.throughput(Throughput::Bytes(doc.len() as u64));
        g.bench_function("decode", |b| b.iter(|| decode(black_box(doc))));
        g.bench_function("bare quick-xml pull", |b| {
            b.iter(|| bare_pull(black_box(doc)))
        });
        g.finish();
    }
    let mut g = c.benchmark_group("xmlrpc/1 MB response");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("encode", |b| {
        b.iter(|| xmlrpc::encode_response(black_box(&big_value)).len())
    });
    g.finish();
    c.final_summary();

    let budget = if benchmarking {
        Duration::from_secs(2)
    } else {
        Duration::from_millis(10)
    };
    print_ratios(&docs, budget);
}

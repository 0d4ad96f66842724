//! Property and robustness tests: round trips over generated values, no panic on thousands of
//! mangled documents and random bytes, and gzip limits (including a gzip bomb).
#![cfg(feature = "xmlrpc")]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use rosetta_runtime::xmlrpc::{
    self, Fault, GzipError, INVALID_REQUEST, Limits, MethodCall, PARSE_ERROR, Timestamp, Value,
};

/// A small deterministic PRNG (xorshift64*), so failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

const CHARS: &[char] = &[
    'a', 'b', 'z', 'A', '0', '9', ' ', ' ', '\t', '\n', '\r', '&', '<', '>', '"', '\'', ';', '#',
    ']', '[', '!', '-', '?', '=', 'é', 'ß', '日', '本', '😀', '\u{FEFF}', '\u{7F}', '\u{85}',
    '\u{2028}', '\u{FFFD}',
];

fn gen_string(rng: &mut Rng) -> String {
    let len = if rng.chance(4) { 0 } else { rng.below(24) };
    let mut s: String = (0..len).map(|_| CHARS[rng.below(CHARS.len())]).collect();
    if rng.chance(8) {
        s.push_str("]]>&amp;&#60;");
    }
    s
}

fn gen_scalar(rng: &mut Rng) -> Value {
    match rng.below(9) {
        0 => Value::Int(rng.next() as i32),
        1 => {
            // I8 that does not fit 32 bits: smaller ones are written (and read back) as <int>.
            let mut i = rng.next() as i64;
            if i32::try_from(i).is_ok() {
                i = i.wrapping_add(1 << 40);
            }
            Value::I8(i)
        }
        2 => Value::Bool(rng.chance(2)),
        3 => {
            let d = match rng.below(6) {
                0 => f64::INFINITY,
                1 => -0.0,
                2 => (rng.next() as i32) as f64 / 7.0,
                _ => {
                    let bits = rng.next();
                    let d = f64::from_bits(bits);
                    if d.is_nan() { 1.25 } else { d }
                }
            };
            Value::Double(d)
        }
        4 | 5 => Value::String(gen_string(rng)),
        6 => {
            let secs = (rng.next() % 253_402_300_800) as i64 - 62_167_219_200;
            Value::DateTime(Timestamp::from_unix(secs, 0).unwrap_or(Timestamp::UNIX_EPOCH))
        }
        7 => Value::Base64((0..rng.below(40)).map(|_| rng.next() as u8).collect()),
        _ => Value::Nil,
    }
}

fn gen_value(rng: &mut Rng, depth: usize) -> Value {
    if depth == 0 || rng.chance(3) {
        return gen_scalar(rng);
    }
    if rng.chance(2) {
        Value::Array(
            (0..rng.below(5))
                .map(|_| gen_value(rng, depth - 1))
                .collect(),
        )
    } else {
        Value::Struct(
            (0..rng.below(5))
                .map(|_| (gen_string(rng), gen_value(rng, depth - 1)))
                .collect(),
        )
    }
}

fn gen_method_name(rng: &mut Rng) -> String {
    let parts = [
        "shop",
        "catalog",
        "getProduct",
        "system",
        "multicall",
        "a_b",
        "x9",
    ];
    let n = 1 + rng.below(3);
    (0..n)
        .map(|_| parts[rng.below(parts.len())])
        .collect::<Vec<_>>()
        .join(".")
}

#[test]
fn round_trip_generated_values() {
    let limits = Limits::default();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..3000 {
        let name = gen_method_name(&mut rng);
        let params: Vec<Value> = (0..rng.below(4)).map(|_| gen_value(&mut rng, 5)).collect();
        let body = xmlrpc::encode_method_call(&name, &params);
        let call = xmlrpc::decode_method_call(&body, &limits)
            .unwrap_or_else(|f| panic!("case {case}: {f}\n{}", String::from_utf8_lossy(&body)));
        assert_eq!(call, MethodCall::new(name, params.clone()), "case {case}");

        let v = gen_value(&mut rng, 6);
        let body = xmlrpc::encode_response(&v);
        let back = xmlrpc::decode_method_response(&body, &limits).unwrap();
        assert_eq!(back, Ok(v), "case {case}");

        let fault = Fault::new(rng.next() as i32, gen_string(&mut rng));
        let body = xmlrpc::encode_fault(&fault);
        assert_eq!(
            xmlrpc::decode_method_response(&body, &limits).unwrap(),
            Err(fault)
        );
    }
}

/// Tokens worth splicing into XML to reach the decoder's error paths.
const SNIPPETS: &[&str] = &[
    "<",
    ">",
    "/",
    "&",
    ";",
    "&amp;",
    "&lt;",
    "&#",
    "&#x",
    "&#0;",
    "&#xFFFFFFFF;",
    "&bogus;",
    "<value>",
    "</value>",
    "<value/>",
    "<array>",
    "<data>",
    "</data>",
    "</array>",
    "<struct>",
    "</struct>",
    "<member>",
    "<name>",
    "</name>",
    "</member>",
    "<int>",
    "</int>",
    "<i8>",
    "<nil/>",
    "<string>",
    "</string>",
    "<base64>",
    "<param>",
    "</params>",
    "<methodCall>",
    "<!DOCTYPE x [<!ENTITY e 'e'>]>",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?xml version='1.0'?>",
    "<?pi x?>",
    "\"",
    "'",
    "=",
    " a='1'",
    "\u{0}",
    "\u{FEFF}",
    "é",
    "😀",
    "\r\n",
    "ex:",
];

fn mutate(rng: &mut Rng, doc: &[u8]) -> Vec<u8> {
    let mut d = doc.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(d.len() + 1);
        match rng.below(8) {
            0 => d.truncate(at),
            1 => {
                if at < d.len() {
                    d[at] = rng.next() as u8;
                }
            }
            2 => d.insert(at.min(d.len()), rng.next() as u8),
            3 | 4 => {
                let s = SNIPPETS[rng.below(SNIPPETS.len())].as_bytes();
                d.splice(at..at, s.iter().copied());
            }
            5 => {
                let end = (at + rng.below(32)).min(d.len());
                d.drain(at..end);
            }
            6 => {
                let end = (at + rng.below(64)).min(d.len());
                let chunk = d[at..end].to_vec();
                d.splice(at..at, chunk);
            }
            _ => {
                if d.len() > 1 {
                    let other = rng.below(d.len());
                    let here = at.min(d.len() - 1);
                    d.swap(here, other);
                }
            }
        }
    }
    d
}

/// Decodes `doc` every way there is; a panic fails with the offending input. A successful
/// decode must re-encode to a document that decodes to the same encoding (a fixpoint).
fn decode_everything(doc: &[u8], limits: &Limits) {
    let r = catch_unwind(AssertUnwindSafe(|| {
        if let Ok(call) = xmlrpc::decode_method_call(doc, limits) {
            let once = call.encode();
            let again = xmlrpc::decode_method_call(&once, limits).expect("re-decode");
            assert_eq!(again.encode(), once);
        }
        if let Ok(resp) = xmlrpc::decode_method_response(doc, limits) {
            let once = xmlrpc::encode_method_response(&resp);
            let again = xmlrpc::decode_method_response(&once, limits).expect("re-decode");
            assert_eq!(xmlrpc::encode_method_response(&again), once);
        }
        let _ = xmlrpc::decode_value(doc, limits);
        let _ = xmlrpc::decompress_gzip_limited(doc, 1 << 16);
    }));
    if r.is_err() {
        panic!("decoder panicked on {:?}", String::from_utf8_lossy(doc));
    }
}

#[test]
fn no_panic_on_mangled_documents() {
    let limits = Limits::default().with_max_depth(8);
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut corpus: Vec<Vec<u8>> = vec![
        b"<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>a</name>\n<value><array><data>\n<value><int>1</int></value>\n<value><string>x &amp; y</string></value>\n</data></array></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n".to_vec(),
        b"<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><base64>\naGVsbG8=\n</base64></value>\n</param>\n<param>\n<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n</param>\n<param>\n<value><struct>\n<member>\n<name>n</name>\n<value><nil/></value></member>\n</struct></value>\n</param>\n</params>\n</methodCall>\n".to_vec(),
        xmlrpc::encode_fault(&Fault::new(4, "a<b")),
        b"<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>m</methodName><params><param><value>caf\xE9</value></param></params></methodCall>".to_vec(),
    ];
    for _ in 0..12 {
        let params: Vec<Value> = (0..3).map(|_| gen_value(&mut rng, 4)).collect();
        corpus.push(xmlrpc::encode_method_call("a.b", &params));
        corpus.push(xmlrpc::encode_response(&gen_value(&mut rng, 4)));
    }

    let start = Instant::now();
    let mut runs = 0usize;
    // Every prefix of a few documents (truncated uploads).
    for doc in corpus.iter().take(4) {
        for cut in 0..doc.len() {
            decode_everything(&doc[..cut], &limits);
            runs += 1;
        }
    }
    // Random mutations of every document.
    for i in 0..12_000 {
        let doc = &corpus[i % corpus.len()];
        decode_everything(&mutate(&mut rng, doc), &limits);
        runs += 1;
    }
    // Random bytes, and random XML-ish soup.
    for _ in 0..2_000 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        decode_everything(&bytes, &limits);
        let soup: String = (0..rng.below(40))
            .map(|_| SNIPPETS[rng.below(SNIPPETS.len())])
            .collect();
        decode_everything(soup.as_bytes(), &limits);
        runs += 2;
    }
    assert!(runs > 16_000, "{runs}");
    eprintln!(
        "{runs} mangled inputs decoded without a panic in {:?}",
        start.elapsed()
    );
}

#[test]
fn gzip_round_trip_and_limits() {
    let body = xmlrpc::encode_method_call("m", &[Value::from("x".repeat(10_000))]);
    let gz = xmlrpc::compress_gzip(&body);
    assert!(gz.len() < body.len() / 10);
    assert_eq!(
        xmlrpc::decompress_gzip_limited(&gz, body.len()).unwrap(),
        body
    );
    assert!(matches!(
        xmlrpc::decompress_gzip_limited(&gz, body.len() - 1),
        Err(GzipError::TooLarge { .. })
    ));
    // Several gzip members, as HTTP allows, are read as one body.
    let two = [xmlrpc::compress_gzip(b"ab"), xmlrpc::compress_gzip(b"cd")].concat();
    assert_eq!(xmlrpc::decompress_gzip_limited(&two, 10).unwrap(), b"abcd");

    let err = xmlrpc::decompress_gzip_limited(b"not gzip at all", 1024).unwrap_err();
    assert!(matches!(err, GzipError::Invalid(_)));
    assert_eq!(err.to_fault().code, PARSE_ERROR);
    let truncated = &gz[..gz.len() / 2];
    assert!(xmlrpc::decompress_gzip_limited(truncated, 1 << 20).is_err());

    let limits = Limits::default().with_max_body_size(100);
    assert_eq!(
        limits.decompress_gzip(&gz).unwrap_err().code,
        INVALID_REQUEST
    );
}

#[test]
fn gzip_bomb_stops_at_the_limit() {
    // 1 MiB of zeros compresses to about a kilobyte; 1024 members claim 1 GiB.
    let member = xmlrpc::compress_gzip(&vec![0u8; 1 << 20]);
    let bomb = member.repeat(1024);
    assert!(bomb.len() < 2 << 20, "{}", bomb.len());
    // Stopping at the limit (not a time) is what keeps a bomb cheap.
    let err = xmlrpc::decompress_gzip_limited(&bomb, 4 << 20).unwrap_err();
    assert!(matches!(err, GzipError::TooLarge { limit } if limit == 4 << 20));
    assert_eq!(err.to_fault().code, INVALID_REQUEST);
}

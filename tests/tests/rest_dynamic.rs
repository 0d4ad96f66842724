//! `tests/idl/dynamic.idl` over REST: a value with an `any`, nested containers and bytes two
//! containers deep (`list<list<bytes>>`, `map<string, list<bytes>>`) posted by Python's standard
//! library comes back exactly, every byte string a base64 string at every depth, and the server
//! decoded it to the value the JSON says; and schemathesis with every check finds nothing on the
//! service's OpenAPI document.
#![cfg(feature = "server")]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rosetta::server::Server;
use rosetta::{Context, Status, Timestamp, Value};
use rosetta_tests::{RunningServer, run_python, stdlib_python};

#[allow(dead_code)]
mod fixture {
    rosetta::include_idl!("dynamic");
}

use fixture::{Dynamic, Mixed, Stooges};

/// Echoes its request and keeps the last one, to assert what the server decoded.
#[derive(Clone, Default)]
struct Echo(Arc<Mutex<Option<Mixed>>>);

impl Dynamic for Echo {
    async fn echo(&self, _: Context, request: Mixed) -> Result<Mixed, Status> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(request.clone());
        Ok(request)
    }
}

/// Posts `BODY` (a JSON text written by hand, in the documented mapping) to `Echo`, asserts the
/// answer is the same JSON value, and that a number where a base64 string belongs is a 400.
const SCRIPT: &str = r#"
import json, sys, urllib.request, urllib.error
url = sys.argv[1] + '/dynamic.Dynamic/Echo'

def post(text):
    req = urllib.request.Request(url, data=text.encode(),
                                 headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

body = sys.argv[2]
status, text = post(body)
assert status == 200, (status, text)
assert json.loads(text) == json.loads(body), (text, body)
assert json.loads(text)["blobs"] == [["AAH/", ""], []], text
status, text = post('{"id": "x", "blobs": [[[0, 1, 255]]]}')
assert status == 400 and "blobs" in text, (status, text)
status, text = post('{"id": "x", "blob_index": {"k": ["not base64!"]}}')
assert status == 400 and "blob_index" in text, (status, text)
# The served OpenAPI document says so: base64 strings two containers deep, `{}` for `any`.
with urllib.request.urlopen(sys.argv[1] + '/openapi.json', timeout=30) as r:
    mixed = json.load(r)["components"]["schemas"]["dynamic.Mixed"]["properties"]
assert mixed["blobs"]["items"]["items"]["format"] == "byte", mixed["blobs"]
assert mixed["blob_index"]["additionalProperties"]["items"]["contentEncoding"] == "base64"
assert set(mixed["anything"]) == {"description"}, mixed["anything"]
print("ok")
"#;

const BODY: &str = r#"{
  "id": "r-1",
  "anything": {"n": 1, "big": 5000000000, "d": 0.5, "when": {"$datetime": "2000-04-01T12:30:05Z"},
               "raw": {"$base64": "AAH/"}, "nil": null, "list": [true, "x", []]},
  "calendar": {"2000": {"04": {"moe": 1, "larry": 2, "curly": 3}}, "2001": {}},
  "grid": [[1, 2], []],
  "tags": {"g": ["a", ""], "none": []},
  "maybe": [7],
  "sparse": ["s", null],
  "blobs": [["AAH/", ""], []],
  "blob_index": {"k": ["aGk=", "AA=="], "none": []},
  "values": [null, 1.5, {"$base64": "/w=="}],
  "open": {"k": [true]},
  "stooges": {"moe": 0, "larry": 0, "curly": 0}
}"#;

#[test]
fn nested_containers_any_and_deep_bytes_round_trip_over_rest() {
    let echo = Echo::default();
    let server =
        RunningServer::start(Server::new().mount(fixture::dynamic::Server::new(echo.clone())));
    let out = run_python(
        &stdlib_python(),
        SCRIPT,
        &[&server.url(), BODY],
        Duration::from_secs(60),
    );
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let got = echo.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let when = Timestamp::from_ymd_hms(2000, 4, 1, 12, 30, 5).expect("valid date");
    let want = Mixed {
        id: "r-1".into(),
        anything: Value::structure([
            ("n", Value::Int(1)),
            ("big", Value::I8(5_000_000_000)),
            ("d", Value::Double(0.5)),
            ("when", Value::DateTime(when)),
            ("raw", Value::Base64(vec![0, 1, 255])),
            ("nil", Value::Nil),
            (
                "list",
                Value::Array(vec![
                    Value::Bool(true),
                    Value::from("x"),
                    Value::Array(vec![]),
                ]),
            ),
        ]),
        calendar: BTreeMap::from([
            (
                "2000".to_string(),
                BTreeMap::from([(
                    "04".to_string(),
                    Stooges {
                        moe: 1,
                        larry: 2,
                        curly: 3,
                    },
                )]),
            ),
            ("2001".to_string(), BTreeMap::new()),
        ]),
        grid: vec![vec![1, 2], vec![]],
        tags: BTreeMap::from([
            ("g".to_string(), vec!["a".to_string(), String::new()]),
            ("none".to_string(), vec![]),
        ]),
        maybe: Some(vec![7]),
        sparse: vec![Some("s".into()), None],
        blobs: vec![vec![vec![0, 1, 255], vec![]], vec![]],
        blob_index: BTreeMap::from([
            ("k".to_string(), vec![b"hi".to_vec(), vec![0]]),
            ("none".to_string(), vec![]),
        ]),
        values: vec![Value::Nil, Value::Double(1.5), Value::Base64(vec![255])],
        open: BTreeMap::from([("k".to_string(), Value::Array(vec![Value::Bool(true)]))]),
        stooges: Some(Stooges::default()),
    };
    // The last request the server decoded is the round-trip body (the two refused ones never
    // reached it).
    assert_eq!(got, Some(want));
}

/// schemathesis `--checks all` on an API whose one operation takes and returns `any`, maps of
/// maps, lists of lists, maps of lists, an optional list, a list of optionals and bytes two
/// containers deep: every value its schema allows is accepted and echoed in the documented
/// shape, everything it forbids is refused.
#[test]
fn schemathesis_finds_nothing_on_any_and_nested_containers() {
    let server =
        RunningServer::start(Server::new().mount(fixture::dynamic::Server::new(Echo::default())));
    let report = rosetta_tests::schemathesis(&server.url());
    // The one operation was tested (`schemathesis` already asserted no failure).
    assert!(
        report.contains("Tested: 1") && report.contains("No issues found"),
        "{report}"
    );
}

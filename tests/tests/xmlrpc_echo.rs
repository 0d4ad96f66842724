//! XML-RPC interop on every type, from the fixture `idl/xmlrpc_echo.idl` (one rpc per shape):
//! Python's `xmlrpc.client` against the generated server, and the generated Rust client against
//! both the generated server and a Python `SimpleXMLRPCServer` implementing the same methods.
#![cfg(feature = "server")]

use std::collections::BTreeMap;
use std::time::Duration;

use rosetta::server::Server;
use rosetta::{Context, ErrorKind, Status, Timestamp};
use rosetta_tests::{PythonServer, RunningServer, run_python, stdlib_python};

/// The generated code for the fixture (not every generated item is used here; `Scalars` has
/// more parameters than clippy likes, on purpose).
#[allow(dead_code, clippy::too_many_arguments)]
mod fixture {
    rosetta::include_idl!("xmlrpc.echo");
}

use fixture::echo::{FailError, XmlRpcClient};
use fixture::{Busy, Circle, Color, Echo, Everything, Inner, Missing, Shape, Tree};

/// The fixture service: echoes, sums and declared errors.
struct EchoImpl;

fn blank() -> Everything {
    Everything {
        flag: false,
        small: 0,
        big: 0,
        unsigned: 0,
        huge: 0,
        ratio: 0.0,
        text: String::new(),
        raw: Vec::new(),
        at: Timestamp::UNIX_EPOCH,
        maybe: None,
        numbers: Vec::new(),
        inners: BTreeMap::new(),
        color: Color::Red,
        shape: Shape::Name(String::new()),
        inner: Inner {
            label: String::new(),
            when: None,
        },
        tree: None,
        colors: Vec::new(),
    }
}

impl Echo for EchoImpl {
    async fn add(&self, _: Context, a: i32, b: i32) -> Result<i32, Status> {
        a.checked_add(b)
            .ok_or_else(|| Status::new(ErrorKind::OutOfRange, format!("{a} + {b} overflows")))
    }

    async fn all(&self, _: Context, request: Everything) -> Result<Everything, Status> {
        Ok(request)
    }

    #[allow(clippy::too_many_arguments)]
    async fn scalars(
        &self,
        _: Context,
        flag: bool,
        small: i32,
        big: i64,
        ratio: f64,
        text: String,
        raw: Vec<u8>,
        at: Timestamp,
    ) -> Result<Everything, Status> {
        Ok(Everything {
            flag,
            small,
            big,
            ratio,
            text,
            raw,
            at,
            ..blank()
        })
    }

    async fn maybe(
        &self,
        _: Context,
        text: Option<String>,
        count: Option<i32>,
    ) -> Result<Option<String>, Status> {
        let n = usize::try_from(count.unwrap_or(1)).unwrap_or(0).min(100);
        Ok(text.map(|t| t.repeat(n)))
    }

    async fn collect(
        &self,
        _: Context,
        numbers: Vec<i64>,
        names: BTreeMap<String, Color>,
    ) -> Result<BTreeMap<String, i64>, Status> {
        let sum: i64 = numbers.iter().fold(0i64, |a, b| a.wrapping_add(*b));
        Ok(names.into_keys().map(|k| (k, sum)).collect())
    }

    async fn fail(&self, _: Context, which: String) -> Result<String, FailError> {
        match which.as_str() {
            "missing" => Err(Missing {
                what: "thing".into(),
                id: 1 << 40,
            }
            .into()),
            "busy" => Err(Busy {}.into()),
            "denied" => Err(Status::permission_denied("no").into()),
            _ => Ok(which),
        }
    }

    async fn nothing(&self, _: Context) -> Result<(), Status> {
        Ok(())
    }

    async fn constrained(
        &self,
        _: Context,
        n: i32,
        s: String,
        tags: Vec<String>,
    ) -> Result<i32, Status> {
        Ok(n + s.len() as i32 + tags.len() as i32)
    }

    async fn double(&self, _: Context, n: i64) -> Result<i64, Status> {
        Ok(n * 2)
    }

    async fn pick(&self, _: Context, shape: Shape) -> Result<Shape, Status> {
        Ok(shape)
    }
}

fn server() -> RunningServer {
    RunningServer::start(Server::new().mount(fixture::echo::Server::new(EchoImpl)))
}

/// Runs a Python script with the server's `/RPC2` URL; fails with its output unless it printed
/// `ok` last.
fn python_ok(script: &str, url: &str) {
    let out = run_python(&stdlib_python(), script, &[url], Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("ok"),
        "python failed ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
}

/// Python's client sends every type and reads every type back.
const PY_EVERY_TYPE: &str = r#"
import sys, math, datetime, xmlrpc.client as x

url = sys.argv[1]
p = x.ServerProxy(url, allow_none=True, use_builtin_types=True)

# ints at the i32 edges; Python refuses to send more than 32 bits.
assert p.add(2, 3) == 5
assert p.add(2**31 - 1, 0) == 2**31 - 1
assert p.add(-2**31, 0) == -2**31
try:
    p.add(2**31 - 1, 1)
    raise SystemExit("overflow did not fault")
except x.Fault as f:
    assert f.faultCode == 11, f   # out_of_range
try:
    p.add(2**31, 0)
    raise SystemExit("python sent 2**31")
except OverflowError:
    pass

# i64 answers beyond 32 bits come back as <i8>, which Python reads as int.
assert p.echo.double(2**30) == 2**31
assert p.echo.double(-2**30 - 1) == -2**31 - 2

UNICODE = "h\u00e9llo w\u00f6rld \u2713 \U0001F600 \u4e2d\u6587 \u0645\u0631\u062d\u0628\u0627"
ESCAPES = "<a href=\"x\">&amp; ' \" ]]> &lt; &#60; \t tab\nline  two spaces  "
when = datetime.datetime(2024, 1, 2, 3, 4, 5)
everything = {
    "flag": True,
    "small": -2**31,
    "big": 2**31 - 1,
    "unsigned": 2**31 - 1,
    "huge": 0,
    "ratio": 0.1,
    "text": UNICODE + ESCAPES,
    "raw": bytes(range(256)) * 3,
    "at": when,
    "numbers": [0, 1, -1, 2**31 - 1, -2**31],
    "inners": {"a": {"label": "x"}, "b <&> \u00e9": {"label": "", "when": when}},
    "color": "GREEN",
    "shape": {"circle": {"radius": 1.5}},
    "inner": {"label": "inner"},
    "tree": {"value": 1, "children": [{"value": 2, "children": []}, {"value": 3, "children": [{"value": 4, "children": []}]}]},
    "colors": ["RED", "BLUE", "RED"],
}
back = p.echo.all(everything)
assert back == everything, (back, everything)
# Absent optionals are left out, never sent as nil inside a struct.
assert "maybe" not in back and "when" not in back["inner"]
assert isinstance(back["raw"], bytes) and isinstance(back["at"], datetime.datetime)
# The absent-member rule (the same on every protocol): an absent list or map is empty, an absent
# optional is none; a list member of a nested struct too.
sparse = {k: v for k, v in everything.items() if k not in ("numbers", "inners", "colors", "maybe")}
sparse["tree"] = {"value": 7}
back = p.echo.all(sparse)
assert back["numbers"] == [] and back["inners"] == {} and back["colors"] == [], back
assert "maybe" not in back and back["tree"] == {"value": 7, "children": []}, back

# Doubles: shortest round trip, extremes, signed zero, infinities and NaN.
for d in [0.1, 1e300, -1e-300, 5e-324, 1.7976931348623157e308, -0.0, 123456789.125, float("inf"), float("-inf")]:
    r = p.echo.scalars(False, 0, 0, d, "", b"", when)["ratio"]
    assert r == d and math.copysign(1, r) == math.copysign(1, d), (d, r)
assert math.isnan(p.echo.scalars(False, 0, 0, float("nan"), "", b"", when)["ratio"])

s = p.echo.scalars(True, 7, -7, 2.5, ESCAPES, b"\x00\xff", when)
assert (s["flag"], s["small"], s["big"], s["ratio"], s["text"], s["raw"], s["at"]) == (True, 7, -7, 2.5, ESCAPES, b"\x00\xff", when), s
assert p.echo.scalars(False, 0, 0, 0.0, "", b"", when)["flag"] is False
assert p.echo.scalars(False, 0, 0, 0.0, "   ", b"", when)["text"] == "   "

# The same with xmlrpc.client's own wrapper types.
q = x.ServerProxy(url, allow_none=True)
s = q.echo.scalars(True, 1, 2, 3.0, "t", x.Binary(b"\x01\x02"), x.DateTime("20991231T23:59:59"))
assert s["raw"].data == b"\x01\x02" and s["at"].value == "20991231T23:59:59", s

# Optionals: None in (allow_none), None out as <nil/>; trailing optionals may be left out.
assert p.echo.maybe(None, None) is None
assert p.echo.maybe("ab", 3) == "ababab"
assert p.echo.maybe("ab") == "ab"
assert p.echo.maybe() is None

# Lists and maps at top level; enums as strings; unions as one-member structs.
assert p.echo.collect([1, 2, 3], {"a": "RED", "b": "BLUE"}) == {"a": 6, "b": 6}
assert p.echo.collect([], {}) == {}
assert p.echo.pick({"name": "square"}) == {"name": "square"}
assert p.echo.pick({"circle": {"radius": 0.5}}) == {"circle": {"radius": 0.5}}

# No input, no output: None.
assert p.echo.nothing() is None
print("ok")
"#;

#[test]
fn python_sends_and_reads_every_type() {
    let s = server();
    python_ok(PY_EVERY_TYPE, &format!("{}/RPC2", s.url()));
}

/// Faults, introspection and MultiCall as Python sees them.
const PY_FAULTS: &str = r#"
import sys, json, xmlrpc.client as x

p = x.ServerProxy(sys.argv[1], allow_none=True)

def fault(call, code, contains=""):
    try:
        call()
    except x.Fault as f:
        assert f.faultCode == code, (f.faultCode, f.faultString, code)
        assert contains in f.faultString, (f.faultString, contains)
        return f
    raise SystemExit("no fault")

# Declared errors: their code, and "Name: {fields as JSON}".
f = fault(lambda: p.echo.fail("missing"), 5, "Missing: ")
assert json.loads(f.faultString.split(": ", 1)[1]) == {"what": "thing", "id": 2**40}
fault(lambda: p.echo.fail("busy"), 4100, "Busy: {}")
fault(lambda: p.echo.fail("denied"), 7, "no")
assert p.echo.fail("fine") == "fine"

# Protocol faults.
fault(lambda: p.nope(), -32601, "nope")
fault(lambda: p.add(1), -32602, "wrong number of params")
fault(lambda: p.add(1, 2, 3), -32602, "wrong number of params")
fault(lambda: p.add("1", 2), -32602, "a: expected i32, found string")
fault(lambda: p.add(1.5, 2), -32602, "a: expected i32, found double")
fault(lambda: p.echo.all([]), -32602, "expected struct")
fault(lambda: p.echo.all({}), -32602, "missing required member")
fault(lambda: p.echo.pick({"circle": {"radius": 1}, "name": "x"}), -32602, "shape")
fault(lambda: p.echo.collect([1], {"a": "PURPLE"}), -32602, "names")
# Constraints: every violation listed.
f = fault(lambda: p.echo.constrained(11, "abcd", ["a", "b", "c"]), -32602, "n:")
assert "s:" in f.faultString and "tags:" in f.faultString, f.faultString
assert p.echo.constrained(10, "abc", ["a", "b"]) == 15

# Introspection.
methods = p.system.listMethods()
for m in ["add", "echo.all", "echo.fail", "system.multicall", "system.methodHelp", "system.methodSignature"]:
    assert m in methods, (m, methods)
assert p.system.methodSignature("add") == [["int", "int", "int"]]
assert p.system.methodSignature("echo.maybe") == [["string"], ["string", "string"], ["string", "string", "int"]]
assert p.system.methodSignature("echo.nothing") == [["nil"]]
help = p.system.methodHelp("echo.fail")
assert help.startswith("Raises the named error") and "throws Missing, Busy" in help, help

# MultiCall: results in order, faults raised when their turn comes.
m = x.MultiCall(p)
m.add(2, 3)
m.echo.maybe("z", 2)
m.echo.fail("missing")
m.nope()
m.echo.nothing()
it = m()
assert it[0] == 5 and it[1] == "zz"
for i, code in [(2, 5), (3, -32601)]:
    try:
        it[i]
        raise SystemExit("no fault in multicall")
    except x.Fault as f:
        assert f.faultCode == code, f
assert it[4] is None
print("ok")
"#;

#[test]
fn python_sees_faults_introspection_and_multicall() {
    let s = server();
    python_ok(PY_FAULTS, &s.url());
}

fn everything() -> Everything {
    let when = Timestamp::from_unix(1_700_000_000, 0).unwrap_or(Timestamp::UNIX_EPOCH);
    Everything {
        flag: true,
        small: i32::MIN,
        big: i64::MAX,
        unsigned: u32::MAX,
        huge: i64::MAX as u64,
        ratio: -0.1,
        // No `\r`: Python writes it raw, and XML parsers read a raw CR LF as LF. (Rosetta writes
        // `&#13;`, which survives: see `carriage_returns_survive_between_rosetta_peers`.)
        text: "\u{e9}\u{1F600} <&> ]]> \n\t  ".into(),
        raw: (0..=255).collect(),
        at: when,
        maybe: Some("here".into()),
        numbers: vec![i32::MIN, -1, 0, 1, i32::MAX],
        inners: BTreeMap::from([
            (
                "k<&>".to_string(),
                Inner {
                    label: "v".into(),
                    when: Some(when),
                },
            ),
            (
                String::new(),
                Inner {
                    label: String::new(),
                    when: None,
                },
            ),
        ]),
        color: Color::Blue,
        shape: Shape::Circle(Circle { radius: 2.25 }),
        inner: Inner {
            label: "in".into(),
            when: None,
        },
        tree: Some(Tree {
            value: 1,
            children: vec![Tree {
                value: 2,
                children: vec![],
            }],
        }),
        colors: vec![Color::Green, Color::Red],
    }
}

/// The calls the generated Rust client makes, against any server of the fixture.
async fn exercise(c: &XmlRpcClient) {
    assert_eq!(c.add(2, 3).await.unwrap(), 5);
    let e = c.add(i32::MAX, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutOfRange, "{e}");

    let all = everything();
    assert_eq!(c.all(all.clone()).await.unwrap(), all);

    let at = Timestamp::from_unix(4_102_444_799, 0).unwrap_or(Timestamp::UNIX_EPOCH);
    let s = c
        .scalars(true, -5, -(1 << 40), 1e-300, "t".into(), vec![0, 255], at)
        .await
        .unwrap();
    assert_eq!(
        (
            s.flag,
            s.small,
            s.big,
            s.ratio,
            s.text.as_str(),
            s.raw,
            s.at
        ),
        (true, -5, -(1 << 40), 1e-300, "t", vec![0, 255], at)
    );

    assert_eq!(c.maybe(None, None).await.unwrap(), None);
    assert_eq!(
        c.maybe(Some("ab".into()), Some(2)).await.unwrap(),
        Some("abab".into())
    );
    assert_eq!(
        c.maybe(Some("x".into()), None).await.unwrap(),
        Some("x".into())
    );

    let sums = c
        .collect(
            vec![1, 2, 1 << 40],
            BTreeMap::from([
                ("a".to_string(), Color::Red),
                ("b".to_string(), Color::Blue),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(
        sums,
        BTreeMap::from([
            ("a".to_string(), 3 + (1 << 40)),
            ("b".to_string(), 3 + (1 << 40))
        ])
    );

    assert_eq!(
        c.fail("missing".into()).await.unwrap_err(),
        FailError::Missing(Missing {
            what: "thing".into(),
            id: 1 << 40
        })
    );
    assert_eq!(
        c.fail("busy".into()).await.unwrap_err(),
        FailError::Busy(Busy {})
    );
    match c.fail("denied".into()).await.unwrap_err() {
        FailError::Status(s) => assert_eq!(s.kind(), ErrorKind::PermissionDenied, "{s}"),
        other => panic!("expected a status, got {other:?}"),
    }
    assert_eq!(c.fail("fine".into()).await.unwrap(), "fine");

    c.nothing().await.unwrap();

    let e = c
        .constrained(11, "abcd".into(), vec!["a".into(); 3])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert_eq!(
        c.constrained(10, "abc".into(), vec!["a".into(); 2])
            .await
            .unwrap(),
        15
    );

    assert_eq!(c.double(1 << 40).await.unwrap(), 1 << 41);
    assert_eq!(c.double(-3).await.unwrap(), -6);

    let circle = Shape::Circle(Circle { radius: 0.5 });
    assert_eq!(c.pick(circle.clone()).await.unwrap(), circle);
    let name = Shape::Name("sq".into());
    assert_eq!(c.pick(name.clone()).await.unwrap(), name);
}

#[tokio::test]
async fn rust_client_against_the_generated_server() {
    let s = server();
    exercise(&XmlRpcClient::new(&format!("{}/RPC2", s.url()))).await;
}

#[tokio::test]
async fn carriage_returns_survive_between_rosetta_peers() {
    let s = server();
    let c = XmlRpcClient::new(&s.url());
    let text = "a\r\nb\rc\n".to_string();
    assert_eq!(c.maybe(Some(text.clone()), None).await.unwrap(), Some(text));
}

/// The fixture in Python: `SimpleXMLRPCServer` with the same methods and the same fault
/// conventions (declared errors as `Name: {json}`), and `<i8>` for ints past 32 bits.
const PY_SERVER: &str = r#"
import sys, json, xmlrpc.client as x
from xmlrpc.server import SimpleXMLRPCServer

def dump_int(self, value, write):
    tag = "int" if -2**31 <= value < 2**31 else "i8"
    write("<value><%s>%d</%s></value>\n" % (tag, value, tag))
x.Marshaller.dispatch[int] = dump_int

srv = SimpleXMLRPCServer(("127.0.0.1", 0), allow_none=True, logRequests=False, use_builtin_types=True)

def add(a, b):
    if not -2**31 <= a + b < 2**31:
        raise x.Fault(11, "%d + %d overflows" % (a, b))
    return a + b

def scalars(flag, small, big, ratio, text, raw, at):
    return {"flag": flag, "small": small, "big": big, "unsigned": 0, "huge": 0, "ratio": ratio,
            "text": text, "raw": raw, "at": at, "numbers": [], "inners": {}, "color": "RED",
            "shape": {"name": ""}, "inner": {"label": ""}, "colors": []}

def maybe(text=None, count=None):
    return None if text is None else text * (1 if count is None else count)

def fail(which):
    if which == "missing":
        raise x.Fault(5, "Missing: " + json.dumps({"what": "thing", "id": 2**40}))
    if which == "busy":
        raise x.Fault(4100, "Busy: {}")
    if which == "denied":
        raise x.Fault(7, "no")
    return which

def constrained(n, s, tags):
    if not (0 <= n <= 10 and 1 <= len(s) <= 3 and len(tags) <= 2):
        raise x.Fault(-32602, "invalid params")
    return n + len(s) + len(tags)

for name, fn in [("add", add), ("echo.all", lambda e: e), ("echo.scalars", scalars),
                 ("echo.maybe", maybe), ("echo.collect", lambda ns, names: {k: sum(ns) for k in names}),
                 ("echo.fail", fail), ("echo.nothing", lambda: None),
                 ("echo.constrained", constrained), ("echo.double", lambda n: 2 * n),
                 ("echo.pick", lambda s: s)]:
    srv.register_function(fn, name)
srv.register_introspection_functions()
srv.register_multicall_functions()
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;

#[tokio::test]
async fn rust_client_against_python_simplexmlrpcserver() {
    let py = PythonServer::start(PY_SERVER);
    exercise(&XmlRpcClient::new(&format!(
        "http://127.0.0.1:{}/RPC2",
        py.port
    )))
    .await;
}

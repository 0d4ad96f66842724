//! Hostile XML-RPC requests against the shop server, sent by Python's standard library: billion
//! laughs, an external entity, 100,000-deep nesting, a 50 MB body and a gzip bomb. Each gets a
//! fault or a 413 fast, and the next normal call succeeds.
#![cfg(feature = "server")]

use std::time::Duration;

use rosetta_tests::{RunningServer, run_python, stdlib_python};

const PY_HOSTILE: &str = r#"
import sys, time, gzip, http.client, urllib.parse, xmlrpc.client as x

url = sys.argv[1]
u = urllib.parse.urlsplit(url)
LIMIT_S = 2.0

def post(body, headers):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    t = time.monotonic()
    try:
        c.request("POST", "/RPC2", body, {"Content-Type": "text/xml", **headers})
        r = c.getresponse()
        data = r.read()
        return r.status, data, time.monotonic() - t
    finally:
        c.close()

def next_call_works():
    assert x.ServerProxy(url).catalog.getProduct("p1")["id"] == "p1"

def check(name, body, headers={}, want="fault"):
    status, data, dt = post(body, headers)
    if want == "413":
        assert status == 413, (name, status, data[:200])
        what = "413"
    else:
        assert status == 200, (name, status, data[:200])
        try:
            x.loads(data)
            raise SystemExit("%s: no fault" % name)
        except x.Fault as f:
            assert f.faultCode <= -32600, (name, f)
            what = "fault %d (%s)" % (f.faultCode, f.faultString[:60])
    assert dt < LIMIT_S, (name, dt)
    next_call_works()
    print("%-22s %-70s %7.1f ms" % (name, what, dt * 1000))

CALL = "<?xml version='1.0'?><methodCall><methodName>catalog.getProduct</methodName><params><param><value>%s</value></param></params></methodCall>"

laughs = ['<!ENTITY lol0 "lol">'] + ['<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10) for i in range(1, 10)]
check("billion laughs", ("<?xml version='1.0'?><!DOCTYPE lolz [%s]>" % "".join(laughs) + CALL[21:] % "&lol9;").encode())
check("external entity", ("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" + CALL[21:] % "&xxe;").encode())
check("undeclared entity", (CALL % "&nope;").encode())
check("100,000-deep nesting", (CALL % ("<array><data><value>" * 100_000)).encode())
check("50 MB body", (CALL % ("<string>" + "a" * (50 << 20) + "</string>")).encode(), want="413")
member = gzip.compress(b"\0" * (10 << 20))
check("gzip bomb (1 GB)", member * 100, {"Content-Encoding": "gzip"}, want="413")
check("truncated gzip", gzip.compress((CALL % "<string>p1</string>").encode())[:-12], {"Content-Encoding": "gzip"})
check("not XML", b"\x00\x01\x02 hello")
check("empty body", b"")
# A well-formed gzip request still works.
status, data, _ = post(gzip.compress((CALL % "<string>p1</string>").encode()), {"Content-Encoding": "gzip"})
assert status == 200 and x.loads(data)[0][0]["id"] == "p1"
print("ok")
"#;

#[test]
fn hostile_requests_are_answered_fast_and_the_server_goes_on() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    let out = run_python(
        &stdlib_python(),
        PY_HOSTILE,
        &[&s.url()],
        Duration::from_secs(120),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The timings are useful in the log.
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.trim_end().ends_with("ok"),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

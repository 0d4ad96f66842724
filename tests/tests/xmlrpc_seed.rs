//! The seed's XML-RPC example against the example crate's seed server:
//! `xmlrpc.client.ServerProxy(url).add(2, 3)` prints 5 — and the seed's other services answer
//! over XML-RPC too, from Python and from the generated Rust client.
#![cfg(feature = "server")]

use std::time::Duration;

use rosetta_examples::seed;
use rosetta_tests::{RunningServer, run_python, stdlib_python};

#[test]
fn python_proxy_add_2_3_prints_5() {
    let s = RunningServer::start(rosetta_examples::seed_server());
    let script = r#"
import sys, xmlrpc.client
print(xmlrpc.client.ServerProxy(sys.argv[1]).add(2, 3))
"#;
    let out = run_python(
        &stdlib_python(),
        script,
        &[&format!("{}/RPC2", s.url())],
        Duration::from_secs(30),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "5",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_seed_service_answers_over_xmlrpc() {
    let s = RunningServer::start(rosetta_examples::seed_server());
    let script = r#"
import sys, xmlrpc.client as x
p = x.ServerProxy(sys.argv[1])
assert p.add(-2**30, 2**30 - 1) == -1
try:
    p.add(2**31 - 1, 1)                  # outside the IDL's @range: refused before the handler
    raise SystemExit("no fault")
except x.Fault as f:
    assert f.faultCode == -32602 and "a:" in f.faultString, f
assert p.greeter.sayHello({"name": "Ann"}) == {"message": "Hello, Ann!"}
assert p.dataService.getData()["protocols"] == ["XML-RPC", "REST", "gRPC", "Kafka"]
assert "add" in p.system.listMethods()
assert p.system.methodSignature("add") == [["int", "int", "int"]]
print("ok")
"#;
    let out = run_python(
        &stdlib_python(),
        script,
        &[&s.url()],
        Duration::from_secs(30),
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn rust_client_adds() {
    let s = RunningServer::start(rosetta_examples::seed_server());
    let calc = seed::calculator::XmlRpcClient::new(&s.url());
    assert_eq!(calc.add(2, 3).await.unwrap(), 5);
    let greeter = seed::greeter::XmlRpcClient::new(&s.url());
    let hello = greeter
        .say_hello(seed::HelloRequest { name: "Bo".into() })
        .await
        .unwrap();
    assert_eq!(hello.message, "Hello, Bo!");
}

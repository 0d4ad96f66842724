//! The seed's REST example with a client nobody here wrote — Node's built-in `fetch` — and the
//! served `/openapi.json` being exactly the document `rosetta generate --target openapi` writes.

use std::process::{Command, Output};
use std::time::Duration;

use rosetta_tests::{RunningServer, workspace_root};
use serde_json::Value;

/// Runs `node -e script args...`, killed after `timeout`.
fn node(script: &str, args: &[&str], timeout: Duration) -> Output {
    rosetta_tests::run_command(
        Command::new("node").arg("-e").arg(script).args(args),
        timeout,
    )
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "node printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The seed's second example, verbatim in spirit: `fetch('…/data').then(r => r.json())`.
#[test]
fn node_fetch_gets_data_as_json() {
    let server = RunningServer::start(rosetta_examples::seed_server());
    let script = r#"
        fetch(process.argv[1] + '/data')
          .then(async r => console.log(JSON.stringify({
            status: r.status, type: r.headers.get('content-type'), body: await r.json()
          })))
          .catch(e => { console.error(e); process.exit(1); });
    "#;
    let out = stdout_json(&node(script, &[&server.url()], Duration::from_secs(20)));
    assert_eq!(out["status"], 200);
    assert_eq!(out["type"], "application/json");
    assert_eq!(out["body"]["message"], "Hello from Rosetta");
    assert_eq!(
        out["body"]["protocols"],
        serde_json::json!(["XML-RPC", "REST", "gRPC", "Kafka"])
    );
}

/// Every seed method is reachable over REST: the calculator's default route, with a JSON body.
#[test]
fn node_fetch_posts_to_a_default_route() {
    let server = RunningServer::start(rosetta_examples::seed_server());
    let script = r#"
        const post = (path, body) => fetch(process.argv[1] + path, {
          method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)
        }).then(async r => ({status: r.status, type: r.headers.get('content-type'), body: await r.json()}));
        Promise.all([
          post('/Calculator/Add', {a: 2, b: 3}),
          post('/Greeter/SayHello', {name: 'Node'}),
          post('/Calculator/Add', {a: 2147483647, b: 1}),
        ]).then(rs => console.log(JSON.stringify(rs)))
          .catch(e => { console.error(e); process.exit(1); });
    "#;
    let out = stdout_json(&node(script, &[&server.url()], Duration::from_secs(20)));
    assert_eq!(out[0]["body"], 5);
    assert_eq!(out[1]["body"]["message"], "Hello, Node!");
    // Outside the IDL's @range: refused before the handler, as a problem.
    assert_eq!(out[2]["status"], 400);
    assert_eq!(out[2]["type"], "application/problem+json");
    assert_eq!(out[2]["body"]["kind"], "invalid_argument");
}

/// The CLI's document for `idl`, parsed.
fn cli_document(idl: &str) -> Value {
    let path = workspace_root().join("idl-examples").join(idl);
    let c = rosetta_codegen::compile(
        std::slice::from_ref(&path),
        &rosetta_codegen::Options::default(),
    );
    let rendered = c.render_diagnostics();
    let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
    let files = rosetta_codegen::emit::openapi::generate(&ir).expect("openapi target");
    serde_json::from_str(&files[0].contents).expect("the CLI writes JSON")
}

async fn served_document(server: &RunningServer) -> Value {
    let resp = rosetta::rest::reqwest::get(format!("{}/openapi.json", server.url()))
        .await
        .expect("GET /openapi.json");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/json",
        "/openapi.json is JSON"
    );
    serde_json::from_slice(&resp.bytes().await.expect("body")).expect("JSON")
}

/// A server that mounts every service of an IDL serves the CLI's document, member for member,
/// though the example crate compiles three IDLs at once (each server describes what it mounts).
#[tokio::test]
async fn served_document_is_the_cli_document() {
    let seed = RunningServer::start(rosetta_examples::seed_server());
    assert_eq!(served_document(&seed).await, cli_document("seed.idl"));
    let shop = RunningServer::start(rosetta_examples::shop_server());
    assert_eq!(served_document(&shop).await, cli_document("shop.idl"));
}

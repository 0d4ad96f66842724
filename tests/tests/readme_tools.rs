//! The README's client one-liners against `shop`, whose calls need a bearer token:
//! `scripts/grpc-call.py -H 'authorization: Bearer …'` (tier 2: grpcio), its one-line
//! `CODE: details` for every refusal (no traceback), and Python's `xmlrpc.client` sending the
//! token the way the README shows.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use rosetta_tests::{
    RunningServer, run_command, run_python, stdlib_python, tier2_python, workspace_root,
};

/// `shop` as `--bin shop` serves it: token `secret`.
fn shop() -> RunningServer {
    RunningServer::start(
        rosetta_examples::shop_server().authenticate(rosetta_examples::bearer_auth("secret")),
    )
}

fn grpc_call(server: &RunningServer, args: &[&str]) -> (i32, String, String) {
    let script: PathBuf = workspace_root().join("scripts/grpc-call.py");
    let target = server.addr.to_string();
    let mut cmd = Command::new(tier2_python());
    cmd.arg(script)
        .args(args.iter().map(|a| a.replace("TARGET", &target)));
    let out = run_command(&mut cmd, Duration::from_secs(60));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn grpc_call_sends_headers_and_reports_statuses_in_one_line() {
    let server = shop();
    let body = r#"{"id": "p-none"}"#;

    // No token: the reflection call is refused; one line, no traceback.
    let (code, stdout, stderr) =
        grpc_call(&server, &["TARGET", "shop.v1.Catalog/GetProduct", body]);
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("UNAUTHENTICATED: "), "{stderr}");

    // With the token: the call itself answers NOT_FOUND (a declared error), one line.
    let auth = "authorization: Bearer secret";
    let (code, stdout, stderr) = grpc_call(
        &server,
        &["-H", auth, "TARGET", "shop.v1.Catalog/GetProduct", body],
    );
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("NOT_FOUND: "), "{stderr}");

    // A wrong token: UNAUTHENTICATED with the hook's message.
    let (code, _, stderr) = grpc_call(
        &server,
        &[
            "-H",
            "Authorization: Bearer wrong",
            "TARGET",
            "shop.v1.Catalog/GetProduct",
            body,
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr.trim(),
        "UNAUTHENTICATED: the bearer token is not valid"
    );

    // An unknown method: one line naming it.
    let (code, _, stderr) = grpc_call(
        &server,
        &["-H", auth, "TARGET", "shop.v1.Catalog/Nope", "{}"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr.trim(),
        "NOT_FOUND: `shop.v1.Catalog` has no method `Nope`"
    );

    // Success: the JSON answer on stdout.
    let (code, stdout, stderr) = grpc_call(
        &server,
        &[
            "-H",
            auth,
            "TARGET",
            "shop.v1.Catalog/Search",
            r#"{"query": ""}"#,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let answer: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON on stdout");
    let names: Vec<&str> = answer["result"]
        .as_array()
        .expect("a list of products")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["Teapot", "Kettle"], "{answer}");
}

/// The README's `xmlrpc.client` line with a bearer token (a transport that adds the header).
#[test]
fn python_xmlrpc_client_sends_a_bearer_token_as_the_readme_shows() {
    let server = shop();
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README");
    // The README's snippet, between its markers, run as written with the port substituted.
    let start = readme
        .find("```python\nimport xmlrpc.client")
        .expect("the README shows the xmlrpc.client bearer-token snippet");
    let body = &readme[start + "```python\n".len()..];
    let snippet = &body[..body.find("```").expect("closing fence")];
    let script = snippet.replace("127.0.0.1:8081", &server.addr.to_string());
    let out = run_python(&stdlib_python(), &script, &[], Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The snippet prints the name of the shop's first product.
    assert_eq!(stdout.trim(), "Teapot");

    // Without the token the same call is fault 16 (unauthenticated).
    let bare = format!(
        "import xmlrpc.client\ntry:\n    xmlrpc.client.ServerProxy('http://{}/RPC2').catalog.getProduct('p1')\nexcept xmlrpc.client.Fault as f:\n    print(f.faultCode)\n",
        server.addr
    );
    let out = run_python(&stdlib_python(), &bare, &[], Duration::from_secs(30));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "16");
}

//! A real browser against the seed: Debian's chromium (headless, driven by playwright-core,
//! installed by `scripts/setup-tier2.d/web-clients.sh`) opens a page served from a second origin,
//! which calls the seed over Connect (JSON and binary, and a unary GET) and gRPC-Web (`@connectrpc/connect-web`)
//! and over REST with `fetch`; the test reads the answers the page shows. Every call is
//! cross-origin, so it also shows that CORS (preflights included) lets a browser read answers
//! and errors.

use std::time::Duration;

use rosetta_examples::seed;
use rosetta_tests::{RunningServer, run_node, workspace_root};
use serde_json::{Value, json};

#[test]
fn chromium_calls_the_seed_over_connect_grpc_web_and_rest_from_another_origin() {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists() || {
            // The set-up installs it; run it now if it has not run yet.
            let _ = rosetta_tests::tier2_node_modules();
            std::path::Path::new("/usr/bin/chromium").exists()
        },
        "/usr/bin/chromium is missing after scripts/setup-tier2.sh (apt-get install chromium)"
    );
    let s = RunningServer::start(rosetta_examples::seed_server());
    let fds = std::env::temp_dir().join(format!("rosetta-browser-fds-{}.bin", std::process::id()));
    std::fs::write(&fds, seed::proto::FILE_DESCRIPTOR_SET).expect("write descriptor set");
    let out = run_node(
        &workspace_root().join("tests/web/browser.cjs"),
        &[&s.url(), &fds.display().to_string()],
        Duration::from_secs(180),
    );
    let _ = std::fs::remove_file(&fds);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser.cjs failed ({:?}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: Value = serde_json::from_str(stdout.trim()).expect("the page's JSON");
    println!("the page shows: {shown}");
    assert!(shown.get("failed").is_none(), "{shown}");
    // The page ran on another origin than the server.
    assert_ne!(shown["origin"], json!(s.url()));
    assert_eq!(shown["origin"], shown["pageOrigin"]);
    for name in ["connectJson", "connectBinary", "grpcWeb"] {
        let r = &shown[name];
        assert_eq!(r["hello"], format!("Hello, {name}!"), "{shown}");
        assert_eq!(r["sum"], 5, "{name}: {shown}");
        // The typed error crosses origins: the page reads its code.
        assert_eq!(
            r["outOfRange"]["code"], "InvalidArgument",
            "{name}: {shown}"
        );
    }
    assert_eq!(shown["connectGet"], "Hello from Rosetta", "{shown}");
    assert_eq!(shown["connectGetMethods"], json!(["GET"]), "{shown}");
    assert_eq!(shown["rest"]["status"], 200, "{shown}");
    assert!(
        shown["rest"]["body"]["message"].is_string(),
        "REST /data: {shown}"
    );
}

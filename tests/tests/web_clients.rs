//! Foreign web clients against the one-port server, installed by the project's own set-up
//! (`scripts/setup-tier2.d/web-clients.sh`): the Connect project's Node clients
//! (`@connectrpc/connect-node`: Connect JSON and binary, gRPC-Web, gRPC) and the `buf` CLI
//! (`buf curl` over the three protocols with the schema from server reflection, and `buf lint`
//! on the emitted .proto files), and the REST streams of the stream demo read and written by Node
//! (`fetch` reading SSE as a streamed body, the `eventsource` package's EventSource, NDJSON
//! uploads as streamed request bodies, one with a malformed line mid-upload).

use std::path::PathBuf;
use std::time::Duration;

use rosetta_examples::{seed, seed_service::Seed};
use rosetta_tests::{RunningServer, run_command, run_node, tier2_node_modules, workspace_root};
use serde_json::{Value, json};

/// The shop with the seed's Greeter next to it: one server, every rpc the clients call.
fn server() -> RunningServer {
    RunningServer::start(rosetta_examples::shop_server().mount(seed::greeter::Server::new(Seed)))
}

/// The examples' FileDescriptorSet (what reflection serves), written to a file for Node.
fn descriptor_set(tag: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("rosetta-web-fds-{}-{tag}.bin", std::process::id()));
    std::fs::write(&path, seed::proto::FILE_DESCRIPTOR_SET).expect("write descriptor set");
    path
}

fn stdout_of(out: &std::process::Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn connect_node_clients_over_every_transport_agree() {
    let s = server();
    let fds = descriptor_set("clients");
    let script = workspace_root().join("tests/web/clients.cjs");
    let out = run_node(
        &script,
        &[&s.url(), &fds.display().to_string()],
        Duration::from_secs(120),
    );
    let stdout = stdout_of(&out, "clients.cjs");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let transports = [
        "connect-json",
        "connect-proto",
        "connect-json-h2",
        "grpc-web",
        "grpc-web-h2",
        "grpc",
    ];
    assert_eq!(lines.len(), transports.len() + 1, "{stdout}");
    let mut first: Option<Value> = None;
    for (line, name) in lines.iter().zip(transports) {
        assert_eq!(line["transport"], name);
        assert!(line.get("failed").is_none(), "{name}: {}", line["failed"]);
        assert_eq!(line["hello"], format!("Hello, {name}!"));
        assert_eq!(line["product"]["id"], "p1");
        assert_eq!(line["product"]["price"]["amountMinor"], "2500");
        assert_eq!(line["page"], json!(["p1", "p2"]));
        assert_eq!(line["missing"]["code"], "NotFound", "{name}");
        assert_eq!(
            line["missing"]["notFound"],
            json!([{"resource": "product", "id": "nope"}]),
            "{name}"
        );
        assert_eq!(line["invalid"]["code"], "InvalidArgument", "{name}");
        let violations = &line["invalid"]["badRequest"][0]["fieldViolations"];
        assert!(
            violations.as_array().is_some_and(|v| v.len() >= 2),
            "{name}: {violations}"
        );
        // Every transport saw the same thing (the greeting names the transport).
        let mut same = line.clone();
        same["transport"] = Value::Null;
        same["hello"] = Value::Null;
        match &first {
            None => first = Some(same),
            Some(f) => assert_eq!(&same, f, "{name} differs from connect-json"),
        }
    }
    let both = &lines[transports.len()];
    assert_eq!(both["serverJson"], both["protobufEsJson"], "{both}");
    assert_eq!(both["sameBytes"], true, "{both}");
    let _ = std::fs::remove_file(fds);
}

/// `buf` from the tier-2 web clients.
fn buf() -> PathBuf {
    tier2_node_modules().join(".bin/buf")
}

#[test]
fn buf_curl_over_connect_grpc_web_and_grpc_with_reflection() {
    let s = server();
    for protocol in ["connect", "grpcweb", "grpc"] {
        let out = run_command(
            std::process::Command::new(buf())
                .args(["curl", "--protocol", protocol, "--http2-prior-knowledge"])
                .args(["--data", r#"{"name": "buf"}"#])
                .arg(format!("{}/Greeter/SayHello", s.url())),
            Duration::from_secs(60),
        );
        let stdout = stdout_of(&out, &format!("buf curl --protocol {protocol}"));
        let answer: Value = serde_json::from_str(&stdout).expect("JSON answer");
        assert_eq!(answer, json!({"message": "Hello, buf!"}), "{protocol}");
        // A typed error: buf curl prints it and exits non-zero.
        let out = run_command(
            std::process::Command::new(buf())
                .args(["curl", "--protocol", protocol, "--http2-prior-knowledge"])
                .args(["--data", r#"{"id": "nope"}"#])
                .arg(format!("{}/shop.v1.Catalog/GetProduct", s.url())),
            Duration::from_secs(60),
        );
        assert!(!out.status.success(), "{protocol}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("not_found") && stderr.contains("shop.common.NotFound"),
            "{protocol}: {stderr}"
        );
    }
}

/// The `buf lint` (STANDARD) rules the emitted .proto files break on purpose, each explained in
/// docs/web.md: names and shapes come from the IDL, and the files are written to one folder.
const DOCUMENTED_LINT_FINDINGS: [&str; 8] = [
    "RPC_REQUEST_RESPONSE_UNIQUE",
    "RPC_REQUEST_STANDARD_NAME",
    "RPC_RESPONSE_STANDARD_NAME",
    "SERVICE_SUFFIX",
    "PACKAGE_VERSION_SUFFIX",
    "PACKAGE_DEFINED",
    "DIRECTORY_SAME_PACKAGE",
    "PACKAGE_DIRECTORY_MATCH",
];

/// Writes the `.proto` files emitted from `idl` into a fresh folder with a `buf.yaml`.
fn emit_protos(idl: &str) -> PathBuf {
    let dir = rosetta_tests::emit_protos(idl, &format!("buf-{idl}"));
    std::fs::write(
        dir.join("buf.yaml"),
        "version: v2\nlint:\n  use:\n    - STANDARD\n",
    )
    .expect("buf.yaml");
    dir
}

#[test]
fn buf_builds_the_emitted_protos_and_lint_finds_only_documented_rules() {
    for idl in ["seed.idl", "shop.idl"] {
        let dir = emit_protos(idl);
        // buf's own compiler accepts every file.
        let out = run_command(
            std::process::Command::new(buf())
                .arg("build")
                .current_dir(&dir),
            Duration::from_secs(60),
        );
        stdout_of(&out, &format!("buf build ({idl})"));
        let out = run_command(
            std::process::Command::new(buf())
                .args(["lint", "--error-format=json"])
                .current_dir(&dir),
            Duration::from_secs(60),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() || !stdout.trim().is_empty(),
            "buf lint ({idl}) did not run: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
            let finding: Value = serde_json::from_str(line).expect("a JSON finding");
            let rule = finding["type"].as_str().unwrap_or_default();
            assert!(
                DOCUMENTED_LINT_FINDINGS.contains(&rule),
                "{idl}: an undocumented buf lint finding: {finding}"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The README's `buf curl` and Connect `curl` one-liners, run as written against a seed (its
/// address and the cache path substituted), print what the README says.
#[test]
fn the_readmes_web_one_liners_work() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README");
    let s = RunningServer::start(rosetta_examples::seed_server());
    let buf_path = buf().display().to_string();
    for marker in ["buf curl --protocol grpcweb", "Connect-Protocol-Version: 1"] {
        let line = readme
            .lines()
            .find(|l| l.starts_with('|') && l.contains(marker))
            .unwrap_or_else(|| panic!("README has no one-liner with {marker}"));
        let command = line
            .split('`')
            .find(|cell| cell.contains(marker))
            .expect("a `command` cell");
        let command = command
            .replace("~/.cache/rosetta/node/node_modules/.bin/buf", &buf_path)
            .replace("127.0.0.1:8080", &s.addr.to_string());
        let out = run_command(
            std::process::Command::new("bash").args(["-c", &command]),
            Duration::from_secs(60),
        );
        let stdout = stdout_of(&out, &command);
        let answer: Value = serde_json::from_str(&stdout).expect("JSON");
        assert_eq!(answer, json!({"message": "Hello, Ada!"}), "{command}");
    }
}

/// The conformance script (every shop rpc, each failure kind) through connect-node over Connect
/// JSON, Connect binary, gRPC-Web and gRPC, each against a fresh shop: the four agree step by step,
/// declared errors arrive as typed details, and the steps that fail in tests/tests/conformance.rs
/// fail here with the same kinds.
#[test]
fn the_conformance_script_agrees_over_connect_grpc_web_and_grpc() {
    let fds = descriptor_set("conformance");
    let script = workspace_root().join("tests/web/shop-conformance.cjs");
    let mut runs = Vec::new();
    for transport in ["connect-json", "connect-proto", "grpc-web", "grpc"] {
        let s = RunningServer::start(rosetta_examples::shop_server());
        let out = run_node(
            &script,
            &[transport, &s.url(), &fds.display().to_string()],
            Duration::from_secs(120),
        );
        let stdout = stdout_of(&out, &format!("shop-conformance.cjs {transport}"));
        let run: Value = serde_json::from_str(stdout.trim()).expect("JSON");
        runs.push((transport, run["results"].clone()));
    }
    let _ = std::fs::remove_file(fds);
    let (_, first) = &runs[0];
    for (transport, results) in &runs[1..] {
        let (a, b) = (first.as_array().unwrap(), results.as_array().unwrap());
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x, y, "{transport} differs from connect-json");
        }
    }
    let step = |name: &str| {
        first
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s[0] == name)
            .unwrap_or_else(|| panic!("no step {name}"))[1]
            .clone()
    };
    assert_eq!(step("get_product ok")["ok"]["id"], "p1");
    for (name, code, detail) in [
        (
            "get_product not found",
            "NotFound",
            Some("shop.common.NotFound"),
        ),
        (
            "create_product exists",
            "AlreadyExists",
            Some("shop.v1.AlreadyExists"),
        ),
        (
            "create_product invalid",
            "InvalidArgument",
            Some("google.rpc.BadRequest"),
        ),
        (
            "create_product violates @length",
            "InvalidArgument",
            Some("google.rpc.BadRequest"),
        ),
        (
            "search violates @range",
            "InvalidArgument",
            Some("google.rpc.BadRequest"),
        ),
        (
            "place_order out of stock",
            "FailedPrecondition",
            Some("shop.v1.OutOfStock"),
        ),
        (
            "delete_product again",
            "NotFound",
            Some("shop.common.NotFound"),
        ),
    ] {
        let o = step(name);
        assert_eq!(o["code"], code, "{name}: {o}");
        if let Some(d) = detail {
            assert!(o["details"][0].get(d).is_some(), "{name}: {o}");
        }
    }
    assert_eq!(
        step("count_orders")["ok"]["result"],
        "1",
        "int64 as a string"
    );
    assert_eq!(step("ping")["ok"], json!({}));
}

#[test]
fn node_reads_sse_with_fetch_and_eventsource_and_uploads_ndjson() {
    let service = rosetta_examples::stream_service::StreamDemo::new();
    let stats = service.stats();
    let s = RunningServer::start(rosetta_examples::stream_server_with(service));
    let script = workspace_root().join("tests/web/streams.cjs");
    let out = run_node(&script, &[&s.url()], Duration::from_secs(120));
    let stdout = stdout_of(&out, "streams.cjs");
    let got: Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));

    // fetch, the body read as a stream: three events, then the end.
    let sse = &got["fetchSse"];
    assert_eq!(sse["status"], 200, "{sse}");
    assert_eq!(sse["type"], "text/event-stream", "{sse}");
    // The demo feed's first three events with ids `<prefix><seq>`.
    let feed = |prefix: &str| -> Vec<Value> {
        [(1, "CREATED"), (2, "UPDATED"), (3, "DELETED")]
            .iter()
            .map(|(seq, kind)| json!({"seq": seq, "product_id": format!("{prefix}{seq}"), "kind": kind}))
            .collect()
    };
    let want: Vec<Value> = feed("f-")
        .into_iter()
        .map(|data| json!({"event": "message", "data": data}))
        .collect();
    assert_eq!(sse["events"], json!(want));
    // An error mid-stream: two events, then the `error` event with the declared problem.
    let events = got["fetchSseError"]["events"]
        .as_array()
        .expect("events")
        .clone();
    let names: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(names, ["message", "message", "error"], "{events:?}");
    assert_eq!(events[2]["data"]["status"], 503);
    assert_eq!(events[2]["data"]["after"], 2);
    assert!(
        events[2]["data"]["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("streams.FeedBroken")),
        "{events:?}"
    );
    // An endless feed read event by event, then abandoned.
    assert_eq!(got["fetchEndless"], json!([1, 2, 3, 4, 5]));

    // EventSource (the browser's API): the same events, and the server's error event with data.
    let es = &got["eventSource"];
    assert_eq!(es["opened"], true, "{es}");
    assert_eq!(es["messages"], json!(feed("e-")), "{es}");
    let es = &got["eventSourceError"];
    assert_eq!(
        es["messages"]
            .as_array()
            .map(|m| m.iter().map(|e| e["seq"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(1), json!(2)]),
        "{es}"
    );
    assert_eq!(es["error"]["status"], 503, "{es}");
    assert_eq!(es["error"]["after"], 2, "{es}");

    // NDJSON uploads sent as streamed bodies; a malformed line in the middle is a 400 problem
    // naming the line, and the next upload is served.
    assert_eq!(got["upload"]["status"], 200);
    assert_eq!(got["upload"]["body"], json!({"chunks": 3, "bytes": 5}));
    let bad = &got["malformed"];
    assert_eq!(bad["status"], 400, "{bad}");
    assert_eq!(bad["type"], "application/problem+json", "{bad}");
    assert_eq!(bad["body"]["status"], 400, "{bad}");
    assert!(
        bad["body"]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("line 3")),
        "{bad}"
    );
    assert_eq!(got["after"]["status"], 200);
    assert_eq!(got["after"]["body"], json!({"chunks": 1, "bytes": 3}));

    // Every feed the clients opened was dropped by the server once its reader was done (five
    // feeds: two ended, one failed, one abandoned mid-way, and the EventSource ones closed).
    for _ in 0..200 {
        if stats.dropped.load(std::sync::atomic::Ordering::SeqCst) >= 5 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        stats.dropped.load(std::sync::atomic::Ordering::SeqCst) >= 5,
        "feeds still open after their readers left"
    );
}

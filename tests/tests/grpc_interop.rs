//! gRPC's interop test cases against Rosetta: `grpc.testing.TestService`, written in Rosetta IDL
//! (`idl-examples/grpc_testing.idl`) and implemented in `idl-examples/src/interop_service.rs`,
//! served on the one-port server, and called by a Python grpcio interop client written from
//! gRPC's public interop test descriptions (`tests/interop/grpc_interop_client.py`). One server,
//! one Python process, every case; the client first checks the emitted messages against the
//! published messages.proto (names, numbers, types). Node's `@grpc/grpc-js` reads a server
//! stream of the same service, with its metadata and an echoed status.

use std::process::Command;
use std::time::Duration;

use rosetta_tests::{
    RunningServer, emit_protos, run_command, run_node, tier2_python, workspace_root,
};

/// Every case the issue names, in the order the client runs them.
const CASES: [&str; 18] = [
    "empty_unary",
    "large_unary",
    "client_streaming",
    "server_streaming",
    "ping_pong",
    "empty_stream",
    "custom_metadata",
    "status_code_and_message",
    "special_status_message",
    "unimplemented_method",
    "unimplemented_service",
    "client_compressed_unary",
    "server_compressed_unary",
    "client_compressed_streaming",
    "server_compressed_streaming",
    "cancel_after_begin",
    "cancel_after_first_response",
    "timeout_on_sleeping_server",
];

#[test]
fn every_interop_case_passes_with_python_grpcio() {
    let dir = emit_protos("grpc_testing.idl", "interop");
    let server = RunningServer::start(rosetta_examples::interop_server());
    let client = workspace_root().join("tests/interop/grpc_interop_client.py");
    let out = run_command(
        Command::new(tier2_python())
            .arg(&client)
            .arg(format!("--server_port={}", server.addr.port()))
            .arg(format!("--proto_dir={}", dir.display()))
            .arg(format!("--test_case={}", CASES.join(","))),
        // Hang protection only: the cases take about a second together.
        Duration::from_secs(120),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "interop client failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    assert!(stdout.contains("PASS wire_compatibility"), "{stdout}");
    for case in CASES {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("PASS {case} "))),
            "{case} did not pass:\n{stdout}"
        );
    }
    assert!(stdout.contains("ALL PASSED: 18 cases"), "{stdout}");
    // Each case's time, for `--nocapture`.
    println!("{stdout}");
}

#[test]
fn node_grpc_js_reads_a_server_stream() {
    let dir = emit_protos("grpc_testing.idl", "grpc-js");
    let server = RunningServer::start(rosetta_examples::interop_server());
    let script = workspace_root().join("tests/web/grpc-js.cjs");
    let out = run_node(
        &script,
        &[&server.addr.to_string(), &dir.display().to_string()],
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "grpc-js failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let ok = &lines[0];
    assert_eq!(
        ok["sizes"],
        serde_json::json!([31415, 9, 2653, 58979]),
        "{ok}"
    );
    assert_eq!(ok["code"], 0, "{ok}");
    assert_eq!(ok["initial"], serde_json::json!(["from node"]), "{ok}");
    assert_eq!(ok["trailing"], serde_json::json!(["cafe"]), "{ok}");
    let failed = &lines[1];
    assert_eq!(failed["sizes"], serde_json::json!([]), "{failed}");
    assert_eq!(failed["code"], 9, "FAILED_PRECONDITION: {failed}");
    assert_eq!(failed["details"], "stop here", "{failed}");
}

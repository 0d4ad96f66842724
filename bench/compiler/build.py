#!/usr/bin/env python3
"""Builds the synthesized API into two scratch crates, side by side, and prints one table:

- `prost`:   prost + tonic (tonic-prost-build on the .proto, parsed by protox): gRPC only;
- `rosetta`: Rosetta's Builder on the IDL: XML-RPC, REST, gRPC and Kafka.

For each: lines of generated Rust, the build script's own time (measured inside build.rs), the
clean build time of the crate (its build script and rustc, dependencies already built) and the
peak memory of that build (the largest process cargo waited for: rustc). A benchmark, not a
test: times are printed, never asserted.

    python3 bench/compiler/build.py --workspace . --work /tmp/x [--types 2000 --services 200]

Dependencies are built once into --target-dir (default: <work>/target) before anything is
measured, by a first build of each crate on a small API of the same shape (`synth.py --types 4`:
at 2,000 types a first build of the real API would take as long as the measured one); each
measured build then points the crate at the real API, touches build.rs and builds with
CARGO_INCREMENTAL=0, so the crate and its build script are compiled from nothing while the
dependencies are reused. `--only prost|rosetta` measures one crate; each row is printed as soon
as it is measured.
"""

import argparse
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402

TIMED_BUILD_RS = """
fn main() -> Result<(), Box<dyn std::error::Error>> {{
    let started = std::time::Instant::now();
    {body}
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("bench-build-rs-seconds"), started.elapsed().as_secs_f64().to_string())?;
    println!("cargo:rerun-if-changed=build.rs");
    Ok(())
}}
"""

PROST_BODY = """
    let protos: Vec<std::path::PathBuf> = std::fs::read_dir("api/proto")?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    let fds = protox::compile(&protos, ["api/proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
"""

ROSETTA_BODY = """
    rosetta_codegen::Builder::new()
        .emit_rerun_if_changed(false)
        .compile(&["api/idl/api.idl"])?;
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def synthesize(out, types, services):
    """The synthesized API (IDL and proto3) in `out`, unless it is already there."""
    if not os.path.isdir(out):
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "synth.py"),
                        "--types", str(types), "--services", str(services), "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
    return out


def point_api(crate, api):
    """Points the crate's `api` link at `api` (the warm-up API or the measured one)."""
    link = os.path.join(crate, "api")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(api, link)


def make_crates(work, root):
    crates = {}
    prost = os.path.join(work, "prost")
    write(os.path.join(prost, "Cargo.toml"), """[package]
name = "bench-prost"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
prost = "0.14"
prost-types = "0.14"
tonic = "0.14"
tonic-prost = "0.14"

[build-dependencies]
protox = "0.10"
tonic-prost-build = "0.14"
""")
    write(os.path.join(prost, "build.rs"), TIMED_BUILD_RS.format(body=PROST_BODY))
    write(os.path.join(prost, "src/lib.rs"),
          "//! prost + tonic on the synthesized .proto.\n#![recursion_limit = \"4096\"]\n"
          "pub mod bench { pub mod v1 { tonic::include_proto!(\"bench.v1\"); } }\n")
    crates["prost + tonic (gRPC)"] = prost
    ros = os.path.join(work, "rosetta")
    write(os.path.join(ros, "Cargo.toml"), f"""[package]
name = "bench-rosetta"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
rosetta = {{ path = "{root}", package = "rosetta-rpc", features = ["xmlrpc", "rest", "grpc", "kafka"] }}

[build-dependencies]
rosetta-codegen = {{ path = "{root}/codegen" }}
""")
    write(os.path.join(ros, "build.rs"), TIMED_BUILD_RS.format(body=ROSETTA_BODY))
    write(os.path.join(ros, "src/lib.rs"),
          "//! Rosetta's Builder on the synthesized IDL.\n#![recursion_limit = \"4096\"]\n"
          "rosetta::include_idl!();\n")
    crates["rosetta (4 protocols)"] = ros
    # Long chains of nested messages exceed rustc's default trait-solver depth (E0275) in
    # prost's code as in Rosetta's; both crates raise it alike.
    for d in crates.values():
        lock = os.path.join(root, "Cargo.lock")
        if os.path.exists(lock) and not os.path.exists(os.path.join(d, "Cargo.lock")):
            with open(lock) as src:
                write(os.path.join(d, "Cargo.lock"), src.read())
    return crates


def build(crate, target_dir, env):
    """One `cargo build`; returns (wall seconds, CPU seconds, peak RSS MiB of cargo's children,
    rc, stderr). CPU is user + system time of cargo and every process it waited for (rustc,
    the build script): on a shared machine it moves much less than the wall time."""
    errf = open(os.path.join(crate, ".stderr"), "w+")
    t0 = time.perf_counter()
    p = subprocess.Popen(["cargo", "build", "--target-dir", target_dir], cwd=crate, env=env,
                         stdout=subprocess.DEVNULL, stderr=errf)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    errf.seek(0)
    err = errf.read()
    errf.close()
    cpu = ru.ru_utime + ru.ru_stime
    return wall, cpu, ru.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), err


def generated(target_dir, crate_name):
    """(lines of generated .rs, build.rs seconds) from the crate's newest OUT_DIR."""
    base = os.path.join(target_dir, "debug", "build")
    outs = [os.path.join(base, d, "out") for d in os.listdir(base)
            if d.startswith(crate_name + "-") and os.path.isdir(os.path.join(base, d, "out"))]
    # The folder's own mtime moves only when entries come and go; the timing file is rewritten
    # by every run of the build script, so the newest one is this run's.
    out = max(outs, key=lambda o: os.path.getmtime(os.path.join(o, "bench-build-rs-seconds"))
              if os.path.exists(os.path.join(o, "bench-build-rs-seconds")) else 0)
    lines = 0
    for dirpath, _, files in os.walk(out):
        for f in files:
            if f.endswith(".rs") and not dirpath.endswith(".tmp"):
                with open(os.path.join(dirpath, f), "rb") as fh:
                    lines += fh.read().count(b"\n")
    with open(os.path.join(out, "bench-build-rs-seconds")) as fh:
        secs = float(fh.read())
    return lines, secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workspace", required=True, help="the Rosetta workspace root")
    ap.add_argument("--work", required=True, help="scratch folder (kept for the caller)")
    ap.add_argument("--target-dir", default=None)
    ap.add_argument("--types", type=int, default=2000)
    ap.add_argument("--services", type=int, default=200)
    ap.add_argument("--only", choices=["prost", "rosetta"], default=None)
    a = ap.parse_args()
    root = os.path.abspath(a.workspace)
    work = os.path.abspath(a.work)
    target_dir = os.path.abspath(a.target_dir or os.path.join(work, "target"))
    crates = make_crates(work, root)
    api = synthesize(os.path.join(work, "api"), a.types, a.services)
    warm_up = synthesize(os.path.join(work, "api-warm-up"), 4, 1)
    env = dict(os.environ, CARGO_INCREMENTAL="0")
    rows = []
    for label, crate in crates.items():
        name = os.path.basename(crate)
        if a.only and name != a.only:
            continue
        point_api(crate, warm_up)
        print(f"{label}: building dependencies (a first build on a small API)...",
              file=sys.stderr, flush=True)
        wall, cpu, rss, rc, err = build(crate, target_dir, env)
        if rc != 0:
            print(f"{label}: the first build failed:\n{err[-3000:]}", file=sys.stderr)
            rows.append((label, None, None, None, None, None))
            continue
        point_api(crate, api)
        os.utime(os.path.join(crate, "build.rs"))
        print(f"{label}: measured build...", file=sys.stderr, flush=True)
        wall, cpu, rss, rc, err = build(crate, target_dir, env)
        if rc != 0:
            print(f"{label}: the measured build failed:\n{err[-3000:]}", file=sys.stderr)
            rows.append((label, None, None, None, None, None))
            continue
        lines, build_rs = generated(target_dir, f"bench-{name}")
        rows.append((label, lines, build_rs, wall, cpu, rss))
        print(f"{label}: {lines:,} lines, build.rs {build_rs:.1f} s, build {wall:.1f} s wall, "
              f"{cpu:.1f} s CPU, peak {rss:,.0f} MiB", file=sys.stderr, flush=True)
    print(f"\n{a.types} types / {a.services} services (debug build, dependencies prebuilt)\n")
    print("| crate | generated lines | build.rs | clean build of the crate (wall) | its CPU time "
          "| peak memory |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, lines, build_rs, wall, cpu, rss in rows:
        if lines is None:
            print(f"| {label} | failed | | | | |")
        else:
            print(f"| {label} | {lines:,} | {build_rs:.1f} s | {wall:.1f} s | {cpu:.1f} s "
                  f"| {rss:,.0f} MiB |")
    ok = [r for r in rows if r[1] is not None]
    if len(ok) == 2:
        (_, l0, b0, w0, c0, m0), (_, l1, b1, w1, c1, m1) = ok
        print(f"\nrosetta / prost+tonic: lines {l1 / l0:.2f}x, build.rs {b1 / b0:.2f}x, "
              f"build {w1 / w0:.2f}x (CPU {c1 / c0:.2f}x), memory {m1 / m0:.2f}x")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Times `rosetta check`, `rosetta generate --target T` (every target the binary lists) and
`protoc -o /dev/null` on the equivalent .proto, at 1x and 10x size, and prints one table.

Driven by scripts/bench-compiler.sh (which installs protoc and builds rosetta); by hand:

    python3 bench/compiler/run.py --rosetta target/release/rosetta --work /tmp/x [--runs 3]

Each figure is the best wall-clock time of up to --runs runs (commands are interleaved, so
background load hits every command alike); a command stops being repeated once its runs at a
size have taken --budget seconds. CPU (user+sys) and peak RSS of the best run are shown too.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402


def targets_of(rosetta):
    """The generation targets the binary offers, from `rosetta generate --help` (the values of
    `--target` only: other options, such as `--protocols`, list possible values too)."""
    text = subprocess.run([rosetta, "generate", "--help"], capture_output=True, text=True,
                          check=True).stdout
    entry = re.search(r"^\s*(?:-\w, )?--target <TARGET>\s*$(.*?)(?=^\s*(?:-\w, )?--[\w-]+|\Z)",
                      text, re.M | re.S)
    if entry:
        text = entry.group(1)
    m = re.search(r"\[possible values: ([^\]]+)\]", text)
    if m:
        return [t.strip() for t in m.group(1).split(",")]
    section = text.split("Possible values:", 1)
    if len(section) < 2:
        sys.exit("cannot find the targets in `rosetta generate --help`")
    found = []
    for line in section[1].splitlines():
        m = re.match(r"\s*- ([A-Za-z0-9_-]+)(:|\s*$)", line)
        if m:
            found.append(m.group(1))
        elif found and not line.strip():
            break
    return found


def run_once(argv, cwd):
    """Runs argv; returns (wall seconds, cpu seconds, max RSS in MiB, returncode, stderr)."""
    errf = open(os.path.join(cwd, ".stderr"), "w+")
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errf)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    errf.seek(0)
    err = errf.read()
    errf.close()
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), err


def fmt_s(x):
    return "-" if x is None else (f"{x:.3f}s" if x < 10 else f"{x:.1f}s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rosetta", required=True)
    ap.add_argument("--protoc", default="protoc")
    ap.add_argument("--work", required=True, help="scratch folder (created, left for the caller)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--budget", type=float, default=60.0,
                    help="stop repeating a command at a size after this many seconds")
    ap.add_argument("--base-types", type=int, default=2000)
    ap.add_argument("--base-services", type=int, default=200)
    ap.add_argument("--scale", type=int, default=10)
    a = ap.parse_args()
    rosetta = os.path.abspath(a.rosetta)
    protoc = shutil.which(a.protoc) or a.protoc

    targets = targets_of(rosetta)
    print(f"rosetta targets: {', '.join(targets)}")
    print(f"protoc: {subprocess.run([protoc, '--version'], capture_output=True, text=True).stdout.strip()}")

    sizes = [("1x", a.base_types, a.base_services),
             (f"{a.scale}x", a.base_types * a.scale, a.base_services * a.scale)]
    commands = {}  # size -> [(label, argv)]
    for label, nt, ns in sizes:
        d = os.path.join(a.work, label)
        s = synth.Synth(nt, ns, 10, 4, seed=1)
        s.write(d)
        idl = sorted(f for f in os.listdir(os.path.join(d, "idl")))
        protos = sorted(f for f in os.listdir(os.path.join(d, "proto")) if f.startswith("services_"))
        nbytes = lambda sub: sum(os.path.getsize(os.path.join(d, sub, f))
                                 for f in os.listdir(os.path.join(d, sub)))
        rpcs = sum(len(v["rpcs"]) for v in s.services)
        print(f"{label}: {nt} types, {ns} services, {rpcs} rpcs; "
              f"IDL {len(idl)} files {nbytes('idl') / 1e6:.1f} MB, "
              f".proto {len(os.listdir(os.path.join(d, 'proto')))} files "
              f"{nbytes('proto') / 1e6:.1f} MB")
        cmds = [("rosetta check", [rosetta, "check", "idl/api.idl"])]
        for t in targets:
            cmds.append((f"rosetta generate --target {t}",
                         [rosetta, "generate", *[f"idl/{f}" for f in idl], "--target", t,
                          "--out", f"out-{t}"]))
        cmds.append(("protoc -o /dev/null", [protoc, "-Iproto", "--descriptor_set_out=/dev/null",
                                              *[f"proto/{f}" for f in protos]]))
        commands[label] = cmds

    # Interleaved runs: round r runs every command at every size once (until its budget is spent).
    best = {}   # (size, cmd) -> (wall, cpu, rss)
    spent = {}
    nruns = {}
    failed = {}  # (size, cmd) -> last stderr line
    for r in range(a.runs):
        for label, _, _ in sizes:
            d = os.path.join(a.work, label)
            for name, argv in commands[label]:
                key = (label, name)
                if spent.get(key, 0.0) >= a.budget:
                    continue
                wall, cpu, rss, rc, err = run_once(argv, d)
                for t in targets:
                    shutil.rmtree(os.path.join(d, f"out-{t}"), ignore_errors=True)
                if rc != 0 and name.startswith("rosetta generate"):
                    # A target that is listed but fails (a stub, a bug): report it, go on.
                    lines = [l for l in err.splitlines() if l.strip()]
                    failed[key] = lines[-1] if lines else f"exit {rc}"
                    spent[key] = float("inf")
                    print(f"  {label} {name}: FAILED: {failed[key]}", file=sys.stderr)
                    continue
                if rc != 0 or (r == 0 and name == "rosetta check" and err.strip()):
                    print(f"FAILED ({label}) {' '.join(argv)}: exit {rc}\n{err[:4000]}",
                          file=sys.stderr)
                    sys.exit(1)
                spent[key] = spent.get(key, 0.0) + wall
                nruns[key] = nruns.get(key, 0) + 1
                if key not in best or wall < best[key][0]:
                    best[key] = (wall, cpu, rss)
                print(f"  run {r + 1}: {label:>3} {name:<34} {wall:8.3f}s", file=sys.stderr)

    lo, hi = sizes[0][0], sizes[1][0]
    names = [n for n, _ in commands[lo]]
    ref = {s: best[(s, "protoc -o /dev/null")][0] for s in (lo, hi)}
    head = ["command", f"{lo} wall", f"{hi} wall", "growth", f"/protoc {lo}", f"/protoc {hi}",
            f"{lo} cpu", f"{hi} cpu", f"{hi} RSS", "runs"]
    rows = []
    notes = []
    for n in names:
        if (lo, n) not in best or (hi, n) not in best:
            why = failed.get((lo, n)) or failed.get((hi, n)) or "no run"
            rows.append([n, "failed", "failed", "-", "-", "-", "-", "-", "-", "-"])
            notes.append(f"{n}: {why}")
            continue
        b1, b2 = best[(lo, n)], best[(hi, n)]
        rows.append([n, fmt_s(b1[0]), fmt_s(b2[0]), f"{b2[0] / b1[0]:.1f}x",
                     f"{b1[0] / ref[lo]:.2f}", f"{b2[0] / ref[hi]:.2f}", fmt_s(b1[1]),
                     fmt_s(b2[1]), f"{b2[2]:.0f} MiB",
                     f"{nruns[(lo, n)]}/{nruns[(hi, n)]}"])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print()
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))
    print(f"\nwall = best of the runs; growth = {hi}/{lo} wall (linear = {a.scale}x); "
          "/protoc = rosetta wall / protoc wall at that size; cpu = user+sys of the best run.")
    for note in notes:
        print(f"failed: {note}")


if __name__ == "__main__":
    main()

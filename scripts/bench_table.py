#!/usr/bin/env python3
"""Renders scripts/bench.sh's results as the Markdown table BENCHMARKS.md shows.

usage: scripts/bench_table.py RESULTS_DIR [--write BENCHMARKS.md]

Reads RESULTS_DIR/part-*.jsonl (written by bench.sh) and RESULTS_DIR/throughput.json (written by
scripts/throughput.sh), writes RESULTS_DIR/BENCHMARKS.table.md and, with --write, replaces the
text between `<!-- bench.sh:begin -->` and `<!-- bench.sh:end -->` in the given file.
Standard library only.
"""
import json
import pathlib
import statistics
import sys

BEGIN = "<!-- bench.sh:begin -->"
END = "<!-- bench.sh:end -->"

# Targets of issue 13.
CLIENT_OVER_FLOOR = 3.0  # prepare/full at most 3x prepare/floor
VS_PYTHON = 20.0  # calls/s, dbs over the official Python SDK
VS_POP_CORE = 5.0  # calls/s, dbs over @alicloud/pop-core
CAPACITY = 20_000.0  # emulator, signed requests/s with our client as the load
CODEGEN_MB_PER_OP = 0.5  # peak RSS of dbs-codegen expand, per operation


def read_lines(path):
    rows = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # a line cut short by an interrupted run
    return rows


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def num(value, digits=0):
    if value is None:
        return "missing"
    return f"{value:,.{digits}f}"


def status(ok):
    if ok is None:
        return "missing"
    return "met" if ok else "**not met**"


def section_machine(out, parts):
    machine = {}
    for row in parts.get("machine", []):
        machine.update(row)
    out.append(
        f"Machine: {machine.get('nproc', '?')} cores ({machine.get('cpu', '?')}), "
        f"`{machine.get('rustc', '?')}`, {machine.get('os', '?')}. Run {machine.get('date', '?')} "
        f"at commit `{machine.get('commit', '?')}`, load average {machine.get('load_before', '?')} "
        f"before and {machine.get('load_after', '?')} after. Command: `scripts/bench.sh`"
        + ("" if machine.get("parts", "").count(",") == 4 else f" (parts run: {machine.get('parts')})")
        + "."
    )
    out.append("")


def section_criterion(out, parts):
    rows = {r["id"]: r.get("median_ns") for r in parts.get("criterion", [])}
    out.append("### Preparing a request against the bare HMAC (criterion `--quick`, median)")
    out.append("")
    out.append("| signature | `prepare/full` | `prepare/floor` | full / floor | target | |")
    out.append("| --- | --- | --- | --- | --- | --- |")
    for sig in ("v1", "v3"):
        full, floor = rows.get(f"full_{sig}"), rows.get(f"floor_{sig}")
        ratio = full / floor if full and floor else None
        out.append(
            f"| {sig.upper()} | {fmt_ns(full)} | {fmt_ns(floor)} | "
            f"{num(ratio, 1) + '×' if ratio else 'missing'} | ≤ {CLIENT_OVER_FLOOR:g}× | "
            f"{status(None if ratio is None else ratio <= CLIENT_OVER_FLOOR)} |"
        )
    out.append("")
    out.append(
        "`full`: build, validate, serialize and sign `CreateRestoreTask`; `floor`: the bare HMAC of "
        "the same StringToSign (`cargo bench -p dbs-bench --bench request -- --quick prepare/`)."
    )
    out.append("")


def fmt_ns(ns):
    if ns is None:
        return "missing"
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def section_throughput(out, parts, results):
    ran = any(r.get("ran") for r in parts.get("throughput", []))
    rows = read_lines(results / "throughput.json")
    rounds = max(
        [sum(1 for r in rows if r.get("who") == "dbs" and r.get("signature") == s and r.get("concurrency") == 1)
         for s in ("v1", "v3")] + [1]
    )
    out.append(
        "### Calls per second against the emulator "
        f"(`scripts/throughput.sh --rounds {rounds}`, median of the rounds)"
    )
    out.append("")
    if not rows:
        why = "no results" if ran else "scripts/throughput.sh is missing"
        out.append(f"Missing ({why}).")
        out.append("")
        return
    groups = {}
    for r in rows:
        who = str(r.get("who"))
        if who == "capacity" and r.get("tasks_before"):
            # The same C against a full emulator is its own row, not a second sample.
            who = f"capacity@{int(r['tasks_before'])}"
        key = (who, str(r.get("signature")), int(r.get("concurrency", 0)))
        groups.setdefault(key, []).append(r)

    def med(who, sig, c, field):
        return median([g.get(field) for g in groups.get((who, sig, c), [])])

    if any(r.get("failed") for r in parts.get("throughput", [])):
        out.append("scripts/throughput.sh exited with an error: the figures below may be partial.")
        out.append("")
    cells = sorted(
        {(s, c) for (w, s, c) in groups if not w.startswith("capacity") and w != "loopback-floor"}
    )
    out.append(
        "| signature | C | dbs calls/s (p50, p99 ms) | Python SDK | dbs / Python | target | "
        "pop-core | dbs / pop-core | target |"
    )
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for sig, c in cells:
        ours = med("dbs", sig, c, "calls_per_s")
        py = med("python-sdk", sig, c, "calls_per_s")
        pop = med("pop-core", sig, c, "calls_per_s")
        r_py = ours / py if ours and py else None
        r_pop = ours / pop if ours and pop else None
        latency = f" ({num(med('dbs', sig, c, 'p50_ms'), 2)}, {num(med('dbs', sig, c, 'p99_ms'), 2)})" if ours else ""
        if pop is None and sig != "v1":
            # pop-core signs HMAC-SHA1 only: there is no V3 run to compare with.
            pop_cells = "n/a (V1 only) | | |"
        else:
            pop_cells = (
                f"{num(pop)} | {num(r_pop, 1) + '×' if r_pop else 'missing'} | "
                f"≥ {VS_POP_CORE:g}×, {status(None if r_pop is None else r_pop >= VS_POP_CORE)} |"
            )
        out.append(
            f"| {sig} | {c} | {num(ours)}{latency} | {num(py)} | "
            f"{num(r_py, 1) + '×' if r_py else 'missing'} | ≥ {VS_PYTHON:g}×, {status(None if r_py is None else r_py >= VS_PYTHON)} | "
            + pop_cells
        )
    out.append("")
    floor = med("loopback-floor", "-", 1, "calls_per_s")
    if floor:
        py_c1 = [v for v in (med("python-sdk", s, 1, "calls_per_s") for s in ("v1", "v3")) if v]
        pop_c1 = med("pop-core", "v1", 1, "calls_per_s")
        needed = []
        if py_c1:
            need = VS_PYTHON * min(py_c1)
            needed.append(f"{VS_PYTHON:g}× the Python SDK needs at least {num(need)}/s ({need / floor:.2f}× the floor)")
        if pop_c1:
            need = VS_POP_CORE * pop_c1
            needed.append(f"{VS_POP_CORE:g}× pop-core {num(need)}/s ({need / floor:.2f}× the floor)")
        out.append(
            f"Loopback floor at C=1 (`--only floor`): {num(floor)} round trips/s "
            f"(p50 {num(med('loopback-floor', '-', 1, 'p50_ms'), 3)} ms) between two threads over one "
            "127.0.0.1 connection, blocking sockets, the bytes of a request and its answer each way, "
            "no HTTP and no work: no client at C=1 goes faster on this machine. "
            + ("At C=1, " + "; ".join(needed) + "." if needed else "")
        )
        out.append("")
    capacity = sorted(
        (w, s, c) for (w, s, c) in groups if w.startswith("capacity")
    )
    out.append(
        "Emulator capacity, our client as the load (the target is the peak rate, "
        "whatever the concurrency):"
    )
    out.append("")
    out.append("| signature | C | tasks stored before | requests/s | p50 ms | p99 ms |")
    out.append("| --- | --- | --- | --- | --- | --- |")
    peak = None
    for who, sig, c in capacity:
        rate = med(who, sig, c, "calls_per_s")
        stored = who.partition("@")[2] or "0"
        out.append(
            f"| {sig} | {c} | {int(stored):,} | {num(rate)} | {num(med(who, sig, c, 'p50_ms'), 2)} | "
            f"{num(med(who, sig, c, 'p99_ms'), 2)} |"
        )
        if rate is not None and (peak is None or rate > peak[0]):
            peak = (rate, c)
    if not capacity:
        out.append("| | | | missing | | |")
    out.append("")
    if peak:
        out.append(
            f"Peak: {num(peak[0])} requests/s at C={peak[1]}; target ≥ {CAPACITY:,.0f}/s: "
            f"{status(peak[0] >= CAPACITY)}."
        )
    else:
        out.append(f"Peak: missing; target ≥ {CAPACITY:,.0f}/s.")
    out.append("")


def section_codegen(out, parts):
    rows = parts.get("codegen", [])
    out.append("### Codegen scaling (`dbs-codegen expand`, release, median of 3 runs)")
    out.append("")
    if not rows:
        out.append("Missing.")
        out.append("")
        return
    by_n = {}
    for r in rows:
        by_n.setdefault(r["operations"], []).append(r)
    out.append(
        "| operations | seconds | peak RSS MB | MB per operation | target | | output MB |"
    )
    out.append("| --- | --- | --- | --- | --- | --- | --- |")
    points = []
    for n in sorted(by_n):
        secs = median([r["seconds"] for r in by_n[n]])
        mb = median([r["peak_kb"] for r in by_n[n]]) / 1024
        out_mb = median([r["bytes"] for r in by_n[n]]) / 1e6
        per_op = mb / n
        points.append((n, mb))
        spec = " (the real spec)" if n == 36 else ""
        out.append(
            f"| {n}{spec} | {secs:.2f} | {mb:.1f} | {per_op:.2f} | ≤ {CODEGEN_MB_PER_OP:g} | "
            f"{status(per_op <= CODEGEN_MB_PER_OP)} | {out_mb:.1f} |"
        )
    out.append("")
    if len(points) >= 2:
        (n0, m0), (n1, m1) = points[0], points[-1]
        slope = (m1 - m0) / (n1 - n0)
        out.append(
            f"Growth from {n0} to {n1} operations: {slope:.3f} MB per added operation (linear "
            "when the per-operation column falls towards it). Synthetic specs: the 36 real "
            "operations, then renamed copies (`scripts/synth-spec.py`)."
        )
        out.append("")


def section_build(out, parts):
    rows = parts.get("build", [])
    out.append("### `dbs-api` release build, 36 operations (dependencies built, median of 3)")
    out.append("")
    if not rows:
        out.append("Missing.")
        out.append("")
        return
    wall = median([r["wall"] for r in rows])
    cpu = median([r["user"] + r["sys"] for r in rows])
    loads = ", ".join(str(r.get("load")) for r in rows)
    out.append("| wall | CPU (user + sys) | load average at each run's end |")
    out.append("| --- | --- | --- |")
    out.append(f"| {wall:.1f} s | {cpu:.1f} s | {loads} |")
    out.append("")
    out.append(
        "`dbs-api`, `dbs-macros` and `dbs-codegen` cleaned before each run; CPU is the figure to "
        "compare on a shared machine."
    )
    out.append("")


def section_rss(out, parts):
    rows = {r["who"]: r for r in parts.get("rss", [])}
    out.append("### Peak memory of the main job (release binaries)")
    out.append("")
    out.append("| process | peak RSS | wall |")
    out.append("| --- | --- | --- |")
    names = {
        "cli-main-job": "`dbs --emulator restore … --wait` (README's main job, emulator in process)",
        "emulator": "`dbs-emulator` serving the same job to `dbs --endpoint`",
    }
    for who, label in names.items():
        r = rows.get(who, {})
        kb = r.get("peak_kb")
        secs = r.get("seconds")
        out.append(
            f"| {label} | {'missing' if kb is None else f'{kb / 1024:.1f} MB'} | "
            f"{'missing' if secs is None else f'{secs:.1f} s'} |"
        )
    out.append("")


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    results = pathlib.Path(args[0])
    write_to = None
    if len(args) == 3 and args[1] == "--write":
        write_to = pathlib.Path(args[2])
    elif len(args) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    parts = {}
    for path in sorted(results.glob("part-*.jsonl")):
        parts[path.stem[len("part-"):]] = read_lines(path)
    out = []
    section_machine(out, parts)
    section_criterion(out, parts)
    section_throughput(out, parts, results)
    section_codegen(out, parts)
    section_build(out, parts)
    section_rss(out, parts)
    table = "\n".join(out).rstrip() + "\n"
    (results / "BENCHMARKS.table.md").write_text(table, encoding="utf-8")
    if write_to:
        text = write_to.read_text(encoding="utf-8")
        if BEGIN in text and END in text and text.index(BEGIN) < text.index(END):
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            text = f"{head}{BEGIN}\n{table}{END}{tail}"
        else:
            text = text.rstrip() + f"\n\n## Issue 13: every figure from one run\n\n{BEGIN}\n{table}{END}\n"
        write_to.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Remote backends under load: 5,000 requests at concurrency 256 against a fast local fake server.

    python3 bench/bench_load.py [--requests 5000] [--concurrency 256]

Starts tests/servers/openai_fake.py in its own process on 127.0.0.1 (it stops itself after a few
minutes at most), runs `openai/fake` end to end through valuelens.run (adaptive pool, retries, one
SQLite commit per answer), checks that every prompt is answered exactly once, prints requests/s
and the machine, and writes the section "## Remote backends under load" of BENCHMARKS.md.
A watchdog ends the benchmark if it has not finished after 10 minutes (a deadlock would show here).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import write_suite  # noqa: E402

import valuelens  # noqa: E402
from valuelens.backends import get_backend  # noqa: E402

SECTION = "## Remote backends under load"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, load average {load:.1f} while measuring"
    )


def start_server() -> tuple[subprocess.Popen[str], int]:
    server = ROOT / "tests" / "servers" / "openai_fake.py"
    proc = subprocess.Popen([sys.executable, str(server), "--max-seconds", "480"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = ap.parse_args()
    threading.Timer(600, lambda: (print("TIMEOUT: no progress in 10 minutes (deadlock?)"), os._exit(1))).start()
    proc, port = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            suite = write_suite(Path(tmp) / "load.jsonl", args.requests // 2, seed=1)
            store = Path(tmp) / "load.sqlite"
            backend = get_backend(
                "openai/fake?api=completions",
                base_urls=[f"http://127.0.0.1:{port}/v1"],
                max_concurrency=args.concurrency,
                timeout=30,
            )
            started = time.perf_counter()
            run = valuelens.run(
                "openai/fake", str(suite), backend=backend, store=store, max_concurrency=args.concurrency
            )
            seconds = time.perf_counter() - started
            s = run.summary(n_boot=10)
            with sqlite3.connect(store) as db:
                rows, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM responses").fetchone()
    finally:
        proc.terminate()
        proc.wait(10)
    assert s["failed"] == 0 and rows == distinct == s["model_calls"] == args.requests, (s["failed"], rows)
    rate = args.requests / seconds
    lines = [
        SECTION,
        "",
        f"`python3 bench/bench_load.py`: {args.requests:,} requests (`openai/fake?api=completions`, "
        f"{args.requests // 2:,} dilemmas in both orders) at `--max-concurrency {args.concurrency}` against "
        "the fake OpenAI-compatible server of tests/servers in its own process on 127.0.0.1, end to end: "
        "adaptive pool, SDK client (aiohttp transport), one SQLite commit per answer.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| requests | {args.requests:,} (answered {rows:,}, each once; failed {s['failed']}) |",
        f"| wall time | {seconds:.1f} s |",
        f"| throughput | {rate:,.0f} requests/s |",
        f"| peak requests in flight (cap {args.concurrency}) | {backend.last_pool.get('peak_in_flight')} |",
        f"| adaptive limit at the end | {', '.join(str(v) for v in backend.last_pool.get('limits', {}).values())} |",
        "",
        f"Completed without deadlock. Machine: {machine()}. Client and server share the machine's cores; "
        "the client's per-request CPU (SDK request building and parsing, SQLite commit) bounds the rate, "
        "so a real GPU server is the bottleneck long before valuelens is.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        path = ROOT / "BENCHMARKS.md"
        old = path.read_text() if path.exists() else "# Benchmarks\n"
        pattern = re.compile(re.escape(SECTION) + r".*?(?=^## |\Z)", re.S | re.M)
        new = pattern.sub(text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
        path.write_text(new)
    os._exit(0)  # the watchdog timer thread must not keep the process alive


if __name__ == "__main__":
    main()

"""Remote backends under load: prompts/s end to end against a fast local fake server in its own process.

    python3 bench/bench_load.py [--prompts 10000] [--concurrency 256] [--rounds 2] [--profile]

Starts tests/servers/openai_fake.py in its own process on 127.0.0.1 (it stops itself after a few
minutes at most) and runs `openai/fake?api=completions` end to end through valuelens.run (prompts,
cache keys, adaptive pool, SDK client, parsing, one SQLite transaction per batch, the analysis) with
one prompt per request (`batch=1`, what the client did before) and 16 prompts per request
(`batch=16`, the default), interleaved over `--rounds` rounds in this one process, each on a fresh
store. For each it reports prompts/s, requests/s, the client's and the server's CPU share (CPU
seconds over wall seconds, from getrusage and /proc), and checks that every prompt was answered
exactly once, by the store and by the server's own count. A last run against a server that answers
5% of requests with 429 and 5% with 503 checks that the adaptive limit backs off and that no prompt
is answered twice. `--profile` prints the client's top functions (cProfile) for one batch=16 run.
Writes the section "## Remote backends under load" of BENCHMARKS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import write_suite  # noqa: E402

import valuelens  # noqa: E402
from valuelens.backends import get_backend  # noqa: E402

SECTION = "## Remote backends under load"
TICK = os.sysconf("SC_CLK_TCK")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )


def start_server(*faults: str) -> tuple[subprocess.Popen[str], int]:
    server = ROOT / "tests" / "servers" / "openai_fake.py"
    cmd = [sys.executable, str(server), "--max-seconds", "600", *faults]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def server_stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/stats", timeout=10) as resp:
        return dict(json.loads(resp.read()))


@dataclass
class Trial:
    batch: int
    prompts: int
    seconds: float
    requests: int
    client_cpu: float
    server_cpu: float
    peak: int
    limits: str

    @property
    def rate(self) -> float:
        return self.prompts / self.seconds

    @property
    def client_ms(self) -> float:
        """Client CPU milliseconds per prompt (independent of how much of a core the client got)."""
        return 1000 * self.client_cpu * self.seconds / self.prompts


def check_cpu_clock() -> float:
    """Yardstick check: 0.3 s of busy work must read as about 0.3 CPU seconds (returns the reading)."""
    cpu0, t0 = own_cpu(), time.thread_time()
    while time.thread_time() - t0 < 0.3:
        pass
    got = own_cpu() - cpu0
    assert 0.27 < got < 0.4, f"getrusage read {got:.3f} s for 0.3 s of CPU"
    return got


def trial(suite: Path, port: int, pid: int, batch: int, concurrency: int, profile: bool = False) -> Trial:
    """One end-to-end run on a fresh store; checks that every prompt is answered exactly once."""
    before = server_stats(port)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "load.sqlite"
        backend = get_backend(
            f"openai/fake?api=completions&batch={batch}&backoff=0.05",
            base_urls=[f"http://127.0.0.1:{port}/v1"],
            max_concurrency=concurrency,
            timeout=30,
        )
        prof = cProfile.Profile() if profile else None
        cpu0, srv0, t0 = own_cpu(), cpu_of(pid), time.perf_counter()
        if prof:
            prof.enable()
        run = valuelens.run("openai/fake", str(suite), backend=backend, store=store, max_concurrency=concurrency)
        if prof:
            prof.disable()
        seconds = time.perf_counter() - t0
        cpu, srv = own_cpu() - cpu0, cpu_of(pid) - srv0
        s = run.summary(n_boot=10)
        with sqlite3.connect(store) as db:
            rows, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM responses").fetchone()
    after = server_stats(port)
    answered = after.get("prompts", 0) - before.get("prompts", 0)
    requests = sum(after.values()) - sum(before.values()) - answered  # kinds count requests; "prompts" prompts
    n = s["prompts"]
    assert s["failed"] == 0 and rows == distinct == s["model_calls"] == n == answered, (s["failed"], rows, answered)
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(18)
    limits = ", ".join(str(v) for v in backend.last_pool.get("limits", {}).values())
    return Trial(batch, n, seconds, requests, cpu / seconds, srv / seconds, backend.last_pool["peak_in_flight"], limits)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = ap.parse_args()
    threading.Timer(900, lambda: (print("TIMEOUT: no progress in 15 minutes (deadlock?)"), os._exit(1))).start()
    load_before = os.getloadavg()[0]
    yardstick = check_cpu_clock()
    trials: list[Trial] = []
    with tempfile.TemporaryDirectory() as tmp:
        suite = write_suite(Path(tmp) / "load.jsonl", args.prompts // 2, seed=1)
        proc, port = start_server()
        try:
            for _ in range(args.rounds):
                for batch in (1, 16):
                    trials.append(trial(suite, port, proc.pid, batch, args.concurrency))
                    print(trials[-1], flush=True)
            if args.profile:
                trial(suite, port, proc.pid, 16, args.concurrency, profile=True)
        finally:
            proc.terminate()
            proc.wait(10)
        proc, port = start_server("--rate-429", "0.05", "--rate-503", "0.05", "--retry-after", "0.05")
        try:
            faulty = trial(suite, port, proc.pid, 16, args.concurrency)
            print(faulty, flush=True)
        finally:
            proc.terminate()
            proc.wait(10)
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    rows = [
        f"| {t.batch} | {t.prompts:,} | {t.seconds:.2f} s | **{t.rate:,.0f}** | {t.requests / t.seconds:,.0f} | "
        f"{t.client_cpu:.0%} | {t.client_ms:.3f} ms | {1000 / t.client_ms:,.0f} | {t.server_cpu:.0%} | {t.peak} |"
        for t in trials
    ]
    best = {b: max(t.rate for t in trials if t.batch == b) for b in (1, 16)}
    cheapest = {b: min(t.client_ms for t in trials if t.batch == b) for b in (1, 16)}
    lines = [
        SECTION,
        "",
        f"`python3 bench/bench_load.py`: {args.prompts:,} prompts (`openai/fake?api=completions`, "
        f"{args.prompts // 2:,} dilemmas in both orders) at `--max-concurrency {args.concurrency}` against the "
        "fake OpenAI-compatible server of tests/servers in its own process on 127.0.0.1, end to end through "
        "`valuelens.run` (prompts and cache keys, adaptive pool, SDK client on aiohttp, parsing, one SQLite "
        "transaction per batch, the analysis). One prompt per request (`batch=1`) and 16 (`batch=16`, the "
        f"default) interleaved in one process, {args.rounds} rounds, fresh store each; every prompt answered "
        "exactly once (store rows and the server's own count). CPU share = CPU seconds / wall seconds (1.0 = "
        "one core busy).",
        "",
        "| prompts per request | prompts | wall | prompts/s | requests/s | client CPU share | client CPU per prompt "
        "| prompts per client CPU second | server CPU share | peak in flight |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Best of each: {best[1]:,.0f} prompts/s with one prompt per request, {best[16]:,.0f} with 16 "
        f"({best[16] / best[1]:.1f}x). Client CPU per prompt: {cheapest[1]:.3f} ms and {cheapest[16]:.3f} ms, i.e. "
        f"{1000 / cheapest[1]:,.0f} and {1000 / cheapest[16]:,.0f} prompts per second of one client core: the "
        "rate the client reaches when it has a core to itself (the fake server needs a small fraction of the "
        "other). The CPU clock was checked against 0.3 s of busy work (read as "
        f"{yardstick:.3f} s).",
        "",
        f"With 5% of requests answered 429 and 5% 503 (Retry-After 0.05 s): {faulty.rate:,.0f} prompts/s, every "
        f"prompt answered once, adaptive limit at the end {faulty.limits} (cap {args.concurrency}): it backs off.",
        "",
        f"Machine: {machine()}; {load} (the machine is shared: other work ran at the same time). Client and "
        "server share the two cores.",
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

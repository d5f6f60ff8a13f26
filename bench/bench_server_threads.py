"""llama-cpp-python's server: model calls on starlette's thread pool vs on one engine thread.

    python bench/bench_server_threads.py [--limit N] [--rounds R] [--threads T]

Starts `python -m valuelens.backends.llamacpp.server` on the embedded model twice per round, in turn:
as llama-cpp-python ships it (each request's model call on whichever pool thread is free; each such
thread gets its own OpenMP team) and as the wrapper runs it (every model call on one engine thread).
Both load the model the same way (no extra buffer types). Each side answers the same `valuelens run`
(N core dilemmas, both orders, `api=completions&batch=1`, fresh store) from this process; the time is
the run's, the server already up. Prints each round, the ratio pool / engine pair by pair, the
server's voluntary context switches (all its threads, from /proc) and the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import valuelens
from valuelens.backends.llamacpp import embedded_model_path

SIDES = {
    "pool threads": "from valuelens.backends.llamacpp import server; server.use_one_engine_thread = lambda: None; server.main()",
    "engine thread": "from valuelens.backends.llamacpp import server; server.main()",
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _switches(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


def one(side: str, limit: int, threads: int) -> tuple[float, int]:
    """Seconds of the run against a fresh server of this side, and the server's voluntary switches in it."""
    port = _port()
    cmd = [sys.executable, "-c", SIDES[side], "--model", str(embedded_model_path()), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--n_ctx", "4096", "--n_threads", str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/models", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        before = _switches(proc.pid)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            r = valuelens.run(
                "openai/gemma-3-270m?api=completions&batch=1", "core", limit=limit, base_url=url, store=Path(tmp) / "s"
            )
            seconds = time.perf_counter() - t0
        assert r.invocation is not None and r.invocation.failed == 0, r.invocation
        return seconds, _switches(proc.pid) - before
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--limit", type=int, default=20, help="core dilemmas per run (default 20: 40 prompts)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2, help="the server's llama.cpp threads")
    args = ap.parse_args()
    la = os.getloadavg()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, server with "
        f"{args.threads} llama.cpp threads, load average {la[0]:.2f}; {args.limit} core dilemmas x 2 orders per run"
    )
    times: dict[str, list[float]] = {s: [] for s in SIDES}
    for rnd in range(args.rounds):
        order = list(SIDES) if rnd % 2 == 0 else list(SIDES)[::-1]
        for side in order:
            seconds, switches = one(side, args.limit, args.threads)
            times[side].append(seconds)
            print(f"round {rnd + 1}, {side}: {seconds:.1f} s, server's voluntary context switches {switches}")
    ratios = [a / b for a, b in zip(times["pool threads"], times["engine thread"], strict=True)]
    la = os.getloadavg()
    print(
        f"pool threads / engine thread: median {statistics.median(ratios):.3f} "
        f"(rounds {', '.join(f'{x:.3f}' for x in ratios)}); medians {statistics.median(times['pool threads']):.1f} s "
        f"and {statistics.median(times['engine thread']):.1f} s; load average {la[0]:.2f}"
    )


if __name__ == "__main__":
    main()

"""Benchmark: size and opening time of the HTML report of a default-sized run.

A default run is the core suite (360 dilemmas, 720 prompts) on the synthetic backend. The report
is built, then opened from a file:// URL in headless Chromium over the DevTools protocol, several
times; the load time is the navigation timing's loadEventEnd (and the wall clock from
Page.navigate to the load event). Targets: under 10 MB, under 2 s.

    python3 bench/bench_report.py            # print the numbers
    python3 bench/bench_report.py --write    # also put them in BENCHMARKS.md under "## HTML report"
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "report"))

from report_browser import CHROMIUM, Browser  # noqa: E402

import valuelens  # noqa: E402
from valuelens.report import render_report_html  # noqa: E402

LOADS = 5
MAX_MB, MAX_S = 10.0, 2.0


def machine() -> str:
    cpu = "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.exists():
        names = [
            line.split(":", 1)[1].strip() for line in info.read_text().splitlines() if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    chromium = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()
    chromium = chromium.split(" built on")[0]
    load = f", load average {os.getloadavg()[0]:.1f} while measuring" if hasattr(os, "getloadavg") else ""
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, {chromium}{load}"
    )


def load_times(path: Path) -> tuple[float, float, float]:
    """(median loadEventEnd, max loadEventEnd, median wall clock) in seconds over LOADS openings."""
    loads, walls = [], []
    with Browser(width=1280, height=1000) as browser:
        for _ in range(LOADS):
            walls.append(browser.open(path))
            loads.append(browser.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
            browser.settle(0.2)
            assert browser.errors() == [], browser.errors()
            assert browser.requests() == [path.as_uri()], browser.requests()
    return statistics.median(loads), max(loads), statistics.median(walls)


def measure() -> dict[str, float | int | str]:
    with tempfile.TemporaryDirectory() as tmp:
        run = valuelens.run("synthetic/default", "core", seed=0, store=Path(tmp) / "store.sqlite")
        started = time.perf_counter()
        data = run.report_data()
        html = render_report_html(data)
        build_s = time.perf_counter() - started
        path = Path(tmp) / "report.html"
        path.write_text(html, encoding="utf-8")
        load_s, load_max_s, wall_s = load_times(path)
        big = Path(tmp) / "big.html"  # the explorer of a DailyDilemmas-sized run: every row four times
        big.write_text(render_report_html(data | {"dilemmas": data["dilemmas"] * 4}), encoding="utf-8")
        big_s, _, _ = load_times(big)
        return {
            "dilemmas": len(run.dilemmas),
            "prompts": len(run.table) * 2,
            "mb": path.stat().st_size / 1e6,
            "build_s": build_s,
            "load_s": load_s,
            "load_max_s": load_max_s,
            "wall_s": wall_s,
            "big_rows": len(data["dilemmas"]) * 4,
            "big_mb": big.stat().st_size / 1e6,
            "big_s": big_s,
            "machine": machine(),
        }


def section(r: dict[str, float | int | str]) -> str:
    ok = "yes" if r["mb"] < MAX_MB and r["load_s"] < MAX_S else "NO"
    return (
        "## HTML report\n\n"
        f"`python3 bench/bench_report.py`: the report of a default-sized run (synthetic backend, core suite, "
        f"{r['dilemmas']} dilemmas, {r['prompts']} prompts), opened {LOADS} times from a file URL in headless "
        f"Chromium.\n\n"
        "| measure | value | target |\n|---|---|---|\n"
        f"| file size | {r['mb']:.2f} MB | < {MAX_MB:.0f} MB |\n"
        f"| load time (loadEventEnd, median of {LOADS}) | {r['load_s'] * 1000:.0f} ms (max {r['load_max_s'] * 1000:.0f} ms) "
        f"| < {MAX_S:.0f} s |\n"
        f"| navigate to load event (wall clock, median) | {r['wall_s'] * 1000:.0f} ms | |\n"
        f"| building the HTML in Python (report_data + render) | {r['build_s'] * 1000:.0f} ms | |\n"
        f"| {r['big_rows']}-row explorer (DailyDilemmas size): size, load time | {r['big_mb']:.2f} MB, "
        f"{r['big_s'] * 1000:.0f} ms | |\n\n"
        f"Within targets: {ok}. Machine: {r['machine']}.\n"
    )


def write(text: str) -> Path:
    path = ROOT / "BENCHMARKS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(r"## HTML report\n.*?(?=\n## |\Z)", re.S)
    new = (
        pattern.sub(lambda _: text.rstrip("\n") + "\n", old)
        if pattern.search(old)
        else old.rstrip("\n") + "\n\n" + text
    )
    path.write_text(new, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update the HTML report section of BENCHMARKS.md")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM}: not found (apt-get install chromium)")
    result = measure()
    text = section(result)
    print(text)
    if args.write:
        print(f"written to {write(text)}")
    if result["mb"] >= MAX_MB or result["load_s"] >= MAX_S:
        sys.exit(1)


if __name__ == "__main__":
    main()

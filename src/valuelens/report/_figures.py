"""Static figures for papers: standalone SVG files, and PNG renderings of them through headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from valuelens._io import atomic_path, check_folder, write_text
from valuelens.errors import InputError
from valuelens.report._charts import Point, forest
from valuelens.report._graph import graph_chart
from valuelens.report._lenses import lens_chart, ordered_theories
from valuelens.report._panels import values_forest
from valuelens.report._svg import fmt, fmt_ci, is_num, padded_range

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PNG_SCALE = 2
"""Device pixels per SVG pixel in PNG figures (2: sharp in print at the SVG's size)."""


def figure_svgs(data: dict[str, Any]) -> dict[str, str]:
    """File stem -> standalone SVG for every figure the data supports.

    values (forest plot), theory_<id> (one per theory lens), moral_graph, outcomes.
    """
    out: dict[str, str] = {}
    if data.get("values"):
        out["values"] = values_forest(data["values"], width=760)
    theories = data.get("theories") or {}
    for tid in ordered_theories(theories):
        out[f"theory_{tid}"] = lens_chart(tid, theories[tid])
    graph = data.get("moral_graph") or {}
    if graph.get("nodes"):
        out["moral_graph"] = graph_chart(graph["nodes"], graph.get("edges") or [])
    outcomes = [o for o in data.get("outcomes") or [] if isinstance(o, dict)]
    if outcomes:
        ranked = sorted(outcomes, key=lambda o: -(o.get("mean") if is_num(o.get("mean")) else -1e9))
        pts = [
            Point(
                str(o.get("outcome")),
                o.get("mean"),
                o.get("ci_low"),
                o.get("ci_high"),
                f"{o.get('outcome')}: {fmt(o.get('mean'), 2)} {fmt_ci(o.get('ci_low'), o.get('ci_high'), 2)}",
            )
            for o in ranked
        ]
        dom = padded_range([v for p in pts for v in (p.lo, p.hi, p.est) if is_num(v)])
        out["outcomes"] = forest(pts, domain=dom, axis_label="utility", label="Outcome utilities", width=900)
    return out


def find_browser() -> str | None:
    """A Chromium-family executable: $VALUELENS_CHROMIUM, else the first of BROWSERS on PATH."""
    env = os.environ.get("VALUELENS_CHROMIUM")
    if env:
        return env
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _size(svg_text: str) -> tuple[int, int]:
    start = svg_text.index("<svg")
    head = svg_text[start : svg_text.index(">", start)]
    width = float(head.split(' width="', 1)[1].split('"', 1)[0])
    height = float(head.split(' height="', 1)[1].split('"', 1)[0])
    return int(width + 0.999), int(height + 0.999)


def svg_to_png(svg_path: Path, png_path: Path, browser: str) -> None:
    """Render one SVG file to PNG at PNG_SCALE with headless Chromium (no network, fresh profile)."""
    width, height = _size(svg_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="valuelens-png-") as profile:
        cmd = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={profile}", f"--force-device-scale-factor={PNG_SCALE}",
            f"--window-size={width},{height}", f"--screenshot={png_path.resolve()}", svg_path.resolve().as_uri(),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not png_path.exists() or png_path.stat().st_size == 0:
        raise InputError(f"{svg_path}: chromium could not render a PNG (exit {done.returncode})")


def write_figures(data: dict[str, Any], directory: str | Path, png: bool = False) -> list[Path]:
    """Write every figure as DIR/<stem>.svg (and .png when asked); returns the paths written.

    Raises:
        InputError: PNG asked for but no Chromium is installed.
    """
    browser = find_browser() if png else None
    if png and browser is None:
        raise InputError("--png needs Chromium (apt-get install chromium, or set VALUELENS_CHROMIUM)")
    if not str(directory).strip():
        raise InputError("--figures: empty path")
    out_dir = check_folder(directory)
    written = []
    for stem, svg_text in figure_svgs(data).items():
        svg_path = write_text(out_dir / f"{stem}.svg", '<?xml version="1.0" encoding="UTF-8"?>\n' + svg_text + "\n")
        written.append(svg_path)
        if browser is not None:
            with atomic_path(out_dir / f"{stem}.png") as tmp:
                svg_to_png(svg_path, tmp, browser)
            written.append(out_dir / f"{stem}.png")
    return written

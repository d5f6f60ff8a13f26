"""Terminal listings whose cells are user text (run ids, model names, suite paths, condition labels):
printed as plain text, never read as Rich markup or emoji codes ("persona:japan:" stays as typed)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

RUN_COLUMNS = ("run_id", "kind", "model", "suite", "status", "calls", "failed")


def runs_table(rows: list[dict[str, Any]]) -> Table:
    """The `runs` listing: run ids always whole (copyable at 80 columns); long names fold instead."""
    width = max((len(str(r["run_id"])) for r in rows), default=6)
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("run_id", no_wrap=True, min_width=width)
    table.add_column("kind", no_wrap=True)
    table.add_column("model", overflow="fold", ratio=3)
    table.add_column("suite", overflow="fold", ratio=2)
    table.add_column("status", no_wrap=True)
    table.add_column("calls", justify="right", no_wrap=True)
    table.add_column("failed", justify="right", no_wrap=True)
    for r in rows:
        table.add_row(*(Text(str(r.get(c, ""))) for c in RUN_COLUMNS))
    return table


def print_runs(rows: list[dict[str, Any]], console: Console | None = None) -> None:
    (console or Console()).print(runs_table(rows))


def sweep_lines(summary: dict[str, Any]) -> list[str]:
    """One line per shifted condition and per steerability result of a sweep summary."""
    out = []
    for s in summary["shifts"]:
        moved = ", ".join(f"{v['value']} {v['difference']:+.2f}" for v in s["significant"]) or s.get("error", "none")
        out.append(f"{s['model']} | {s['condition']}: {len(s['significant'])} values moved (Holm): {moved}")
    for s in summary["steerability"]:
        effect = "n/a" if s["effect"] is None else f"{s['effect']:+.2f} [{s['ci_low']:+.2f}, {s['ci_high']:+.2f}]"
        out.append(f"{s['model']} | {s['condition']}: steering effect {effect} ({s['verdict']})")
    if summary.get("report"):
        out.append(f"Report: {summary['report']}")
    return out


def print_plain(lines: list[str], console: Console | None = None) -> None:
    """Print lines exactly as given: no markup, no emoji codes, no highlighting, no wrapping of paths."""
    console = console or Console()
    for line in lines:
        console.print(Text(line), soft_wrap=True)


def print_sweep(summary: dict[str, Any], console: Console | None = None) -> None:
    print_plain(sweep_lines(summary), console)

"""Terminal listings: stored runs, bundled suites, and the values `annotate` gave each action."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def print_rows(rows: list[dict[str, Any]], console: Console, first: str = "run_id") -> None:
    """A plain table of rows (dicts with the same keys), e.g. `valuelens runs`."""
    table = Table(*rows[0].keys()) if rows else Table(first)
    for r in rows:
        table.add_row(*(str(v) for v in r.values()))
    console.print(table)


def print_suites(rows: list[dict[str, Any]], console: Console) -> None:
    """The bundled suites and content with their sizes, marking those not installed."""
    table = Table("name", "kind", "origin", "size", "use", "about")
    for r in rows:
        cells = [escape(str(r[k])) for k in ("name", "kind", "origin", "summary", "use", "about")]
        if not r["available"]:
            cells[0] += " [dim](not installed)[/dim]"
        table.add_row(*cells)
    console.print(table)


def print_annotation(summary: dict[str, Any], target: str, console: Console) -> None:
    """The values chosen for each action, and how to run the suite written to `target`."""
    table = Table("id", "action A values", "action B values")
    for d in summary["dilemmas"]:
        table.add_row(d["id"], ", ".join(d["values_a"]), ", ".join(d["values_b"]))
    console.print(table)
    console.print(
        f"Suite: {target} ({summary['scenarios']} dilemmas; {summary['model_calls']} questions asked, "
        f"{summary['cached_calls']} cached). Run it: valuelens run --suite {target}",
        highlight=False,
        soft_wrap=True,
    )

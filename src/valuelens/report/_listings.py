"""Terminal listings: stored runs, bundled suites, and the values `annotate` gave each action."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text


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


def print_store_check(summary: dict[str, Any], console: Console) -> None:
    """What `valuelens store check` found: sound or damaged, readable rows, problems, what to do next."""
    lines = [
        f"{summary['store']}: {'sound' if summary['ok'] else 'DAMAGED'}; readable rows: "
        + (", ".join(f"{t} {n}" for t, n in summary["rows"].items()) or "none")
    ]
    lines += [f"  {line}" for line in summary["problems"][:20]]
    if summary["salvaged"] is not None:
        copied = ", ".join(f"{t} {n}" for t, n in summary["copied"].items())
        lines.append(f"Salvaged into {summary['salvaged']} ({copied}); use it with --store {summary['salvaged']}")
    elif not summary["ok"]:
        lines.append(f"Copy what is readable: valuelens store check {summary['store']} --salvage NEW.sqlite")
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True, markup=False)


RUN_COLUMNS = ("run_id", "kind", "model", "suite", "status", "answered", "calls", "failed")


def runs_table(rows: list[dict[str, Any]]) -> Table:
    """The `runs` listing: run ids always whole (copyable at 80 columns); long names fold instead."""
    width = max((len(str(r["run_id"])) for r in rows), default=6)
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("run_id", no_wrap=True, min_width=width)
    table.add_column("kind", no_wrap=True)
    table.add_column("model", overflow="fold", ratio=3)
    table.add_column("suite", overflow="fold", ratio=2)
    table.add_column("status", no_wrap=True)
    table.add_column("answered", justify="right", no_wrap=True)
    table.add_column("calls", justify="right", no_wrap=True)
    table.add_column("failed", justify="right", no_wrap=True)
    for r in rows:
        table.add_row(*(Text(str(r.get(c, ""))) for c in RUN_COLUMNS))
    return table


def print_runs(rows: list[dict[str, Any]], console: Console | None = None) -> None:
    """`valuelens runs`: user text (ids, models, suite paths) printed as typed, never as markup."""
    (console or Console(emoji=False)).print(runs_table(rows))


def print_plain(lines: list[str], console: Console | None = None) -> None:
    """Print lines exactly as given: no markup, no emoji codes, no highlighting, no wrapping of paths."""
    console = console or Console(emoji=False)
    for line in lines:
        console.print(Text(line), soft_wrap=True)

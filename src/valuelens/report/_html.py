"""The HTML report of one run: one self-contained file, every panel whose data is present."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from valuelens._io import write_text
from valuelens.report._explorer import explorer_panel
from valuelens.report._free_text_html import answers_panel
from valuelens.report._lenses import moral_graph_panel, theories_panel
from valuelens.report._outcomes import utilities_panel
from valuelens.report._page import Panel, page
from valuelens.report._panels import header_block, headline_panel, reliability_panel, values_panel
from valuelens.report._svg import esc


class Reportable(Protocol):
    """Any stored run (the report reads nothing else of it)."""

    @property
    def run_id(self) -> str: ...

    def report_data(self) -> dict[str, Any]: ...


PANELS: list[Callable[[dict[str, Any]], Panel | None]] = [
    headline_panel,
    values_panel,
    reliability_panel,
    answers_panel,
    theories_panel,
    moral_graph_panel,
    utilities_panel,
    explorer_panel,
]
"""Panel builders in page order; each returns None when the run has no data for it."""


def render_report_html(data: dict[str, Any]) -> str:
    """The report as one HTML document (no external resources, no network requests).

    Args:
        data: a run summary (`Run.summary()`, or `Run.report_data()` which adds the dilemma rows,
            theory lenses, date and settings). Keys that are absent leave their panel out:
            values, position_bias, reliability, free_text (with answer_agreement), theories, moral_graph,
            outcomes, coherence, exchange_rates, dilemmas.

    Returns:
        The HTML text; every piece of user text in it is escaped.
    """
    panels = [p for build in PANELS if (p := build(data)) is not None]
    embedded = {k: v for k, v in data.items() if k != "dilemmas"}
    footer = (
        f"Made by valuelens {esc(data.get('valuelens_version', ''))}. Every number has a 95% interval and its n; "
        "every item was asked in both option orders. The data behind this page is embedded in it as JSON "
        '(<code>&lt;script id="valuelens-data"&gt;</code>).'
    )
    title = f"valuelens: {data.get('model', 'run')} on {data.get('suite', 'suite')}"
    return page(title, header_block(data), panels, embedded, footer)


def default_report_path(run_id: str) -> Path:
    """Where `valuelens report RUN_ID` writes without -o: ./valuelens-RUN_ID.html."""
    return Path(f"valuelens-{run_id}.html")


def write_report(run: Reportable, path: str | Path | None = None) -> Path:
    """Write the HTML report of a run and return its path (default `default_report_path`)."""
    out = path if path is not None else default_report_path(run.run_id)
    return write_text(out, render_report_html(run.report_data()), "report")

"""Short terminal output of a utilities run: best and worst outcomes, coherence, exchange rates, calls."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from valuelens.report._prompt_format import model_with_format

TOP = 10
RATES_MAX = 8
"""Series shown in the exchange-rate table (all of them are in the JSON)."""


def _f(x: Any, digits: int = 2, sign: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def outcomes_table(rows: list[dict[str, Any]], title: str, width: int = 80) -> Table:
    """Rank, outcome, mean utility with its 95% interval, variance and comparisons, at most `width` wide."""
    text_width = max(16, min(60, width - 50))  # the number columns and rules take about 50 characters
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True, min_width=3)
    table.add_column("outcome", no_wrap=True)
    table.add_column("utility", justify="right", no_wrap=True, min_width=5)
    table.add_column("95% CI", justify="right", no_wrap=True, min_width=14)
    table.add_column("var", justify="right", no_wrap=True, min_width=4)
    table.add_column("n", justify="right", no_wrap=True, min_width=3)
    for r in rows:
        ci = f"[{_f(r['ci_low'], sign=True)}, {_f(r['ci_high'], sign=True)}]"
        table.add_row(
            str(r["rank"]),
            escape(_cut(r["outcome"], text_width)),
            _f(r["mean"], sign=True),
            ci,
            _f(r["variance"]),
            str(r["n"]),
        )
    return table


def coherence_line(coh: dict[str, Any]) -> str:
    """Held-out accuracy (interval, n), log loss, cycle probability and decisiveness in one line."""
    acc = coh.get("holdout_accuracy")
    if acc is None:
        held = "no held-out pairs"
    else:
        ci = f"[{_f(coh.get('holdout_accuracy_ci_low'))}, {_f(coh.get('holdout_accuracy_ci_high'))}]"
        held = f"held-out accuracy {_f(acc)} {ci} (n={coh.get('holdout_pairs', 0)}), log loss {_f(coh.get('holdout_log_loss'))}"
    return (
        f"Coherence: {held}, cycle probability {_f(coh.get('cycle_probability'), 3)}, "
        f"decisiveness {_f(coh.get('decisiveness'))}."
    )


def _rate_ci(ci: Any) -> str:
    """ " [low, high]" of an exchange rate; an open upper end (null) reads "∞"."""
    if not isinstance(ci, list) or len(ci) != 2 or ci[0] is None:
        return ""
    high = "∞" if ci[1] is None else f"{ci[1]:.3g}"
    return f" [{ci[0]:.3g}, {high}]"


def rates_table(rates: dict[str, Any]) -> Table | None:
    """Per series: slope b of U = a + b ln N, R², n, and how many units equal one unit of a reference series,
    with its 95% interval."""
    fits = rates.get("fits") or {}
    if not fits:
        return None
    ref = next((k for k, f in fits.items() if (f.get("b") or 0) > 0), None)
    title = "Exchange rates: U = a + b ln N per quantity series"
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("series", no_wrap=True)
    table.add_column("b", justify="right")
    table.add_column("R²", justify="right")
    table.add_column("n", justify="right")
    if ref is not None:
        table.add_column(f"units worth 1 of {ref}", justify="right")
    for name, fit in list(fits.items())[:RATES_MAX]:
        cells = [escape(_cut(name, 32)), _f(fit.get("b"), 3, sign=True), _f(fit.get("r2")), f"{fit.get('n', 0):.0f}"]
        if ref is not None:
            rate = 1.0 if name == ref else (rates.get("rates") or {}).get(name, {}).get(ref)
            ci = None if name == ref else (rates.get("rates_ci") or {}).get(name, {}).get(ref)
            cells.append("–" if rate is None else f"{rate:.3g}{_rate_ci(ci)}")
        table.add_row(*cells)
    if len(fits) > RATES_MAX:
        table.caption = f"{RATES_MAX} of {len(fits)} series; all of them, and every rate, in --json"
        table.caption_justify = "left"
    return table


def print_utilities(summary: dict[str, Any], console: Console | None = None) -> None:
    """Print the best and worst outcomes, coherence, position bias, exchange rates, calls and the store."""
    console = console or Console()
    rows = summary["outcomes"]
    head = (
        f"Utilities of {model_with_format(summary)} over {summary['items']} outcomes ({summary['suite']}): "
        f"{summary['comparisons']} comparisons in both orders, Thurstonian fit, z-scored."
    )
    console.print(escape(head), highlight=False, soft_wrap=True)
    if len(rows) <= 2 * TOP:
        console.print(outcomes_table(rows, "All outcomes, best first", console.width))
    else:
        console.print(outcomes_table(rows[:TOP], f"Top {TOP}", console.width))
        console.print(outcomes_table(rows[-TOP:], f"Bottom {TOP}", console.width))
    console.print(escape(coherence_line(summary["coherence"])), highlight=False, soft_wrap=True)
    pb = summary.get("position_bias") or {}
    if pb.get("n"):
        console.print(
            f"Position bias {_f(pb['value'], sign=True)} [{_f(pb['ci_low'], sign=True)}, {_f(pb['ci_high'], sign=True)}], "
            f"n={pb['n']}: P(first-listed outcome) - 0.5; utilities average both orders.",
            highlight=False,
            soft_wrap=True,
        )
    table = rates_table(summary.get("exchange_rates") or {})
    if table is not None:
        console.print(table)
    special = [f"{summary[k]} {k.replace('_', ' ')}" for k in ("refused", "unparsed_samples") if summary.get(k)]
    dropped = f", {summary['pairs_dropped']} pairs without an answer left out" if summary.get("pairs_dropped") else ""
    calls = (
        f"Calls: {summary['model_calls']} model, {summary['cached_calls']} cached, {summary['failed']} failed"
        + "".join(f", {s}" for s in special)
        + f"{dropped}; {summary['heldout']} held-out pairs; {summary.get('seconds', 0):.1f} s."
    )
    console.print(calls, highlight=False, soft_wrap=True)
    console.print(
        escape(
            f"Run {summary['run_id']} in {summary['store']} (valuelens report {summary['run_id']} for the HTML page)."
        ),
        highlight=False,
        soft_wrap=True,
    )

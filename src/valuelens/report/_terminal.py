"""Short terminal output of a run: the values chosen for and against, position bias, where it is stored."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from valuelens.report._costs import cost_line
from valuelens.report._free_text import free_text_lines
from valuelens.report._panels import incomplete_note
from valuelens.report._prompt_format import template_text

TOP = 10


def _fmt_ci(lo: float | None, hi: float | None) -> str:
    return "n too small" if lo is None or hi is None else f"[{lo:+.0f}, {hi:+.0f}]"


def significance(row: dict[str, Any]) -> int:
    """+1 when the interval lies above 0, -1 below, 0 otherwise (or no interval)."""
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if lo is not None and lo > 0:
        return 1
    if hi is not None and hi < 0:
        return -1
    return 0


def _style(row: dict[str, Any]) -> str:
    if "significant" in row:  # utilities: Holm-corrected test against the average value
        if not row["significant"]:
            return "dim"
        return "green" if row["utility"] > 0 else "red"
    return {1: "green", -1: "red", 0: "dim"}[significance(row)]


def values_table(rows: list[dict[str, Any]], title: str) -> Table:
    """Value, utility with 95% interval and rank range (when fitted), score (with interval if no utility), n."""
    with_utility = bool(rows) and "utility" in rows[0]
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("value", no_wrap=True, max_width=26)
    if with_utility:
        table.add_column("utility [95% CI]", justify="right", no_wrap=True)
        table.add_column("rank", justify="right", no_wrap=True)
        table.add_column("score", justify="right")
    else:
        table.add_column("score", justify="right")
        table.add_column("95% CI", justify="right", no_wrap=True)
    table.add_column("n", justify="right")
    for r in rows:
        cells: list[str | Text] = [Text(str(r["value"]))]  # value names may come from a user's suite
        if with_utility:
            cells += [
                f"{r['utility']:+.2f} [{r['utility_ci_low']:+.1f}, {r['utility_ci_high']:+.1f}]",
                f"{r['rank']} ({r['rank_low']}-{r['rank_high']})",
                f"{r['score']:+.0f}",
            ]
        else:
            cells += [f"{r['score']:+.0f}", _fmt_ci(r["ci_low"], r["ci_high"])]
        cells.append(str(r["n"]))
        table.add_row(*cells, style=_style(r))
    return table


def bias_sentence(pb: dict[str, Any]) -> str:
    v, lo, hi = pb["value"], pb["ci_low"], pb["ci_high"]
    if pb["n"] == 0:
        return "Position bias: no dilemma answered in both orders."
    ci = f"{v:+.2f} [{lo:+.2f}, {hi:+.2f}], n={pb['n']}"
    if lo > 0:
        what = "prefers the first-listed option"
    elif hi < 0:
        what = "prefers the second-listed option"
    else:
        what = "no detectable preference for either position"
    strength = " (strong)" if abs(v) >= 0.15 else ""
    return f"Position bias {ci}: {what}{strength}. Scores average both orders, so this bias does not enter them."


def consistency_lines(summary: dict[str, Any]) -> list[str]:
    """The position bias in logits (fitted with the utilities), order and paraphrase consistency."""
    out = []
    b = (summary.get("reliability") or {}).get("position_bias_logit")
    if b:
        out.append(
            f"Position bias in logits (fitted with the utilities) {b['value']:+.2f} [{b['ci_low']:+.2f}, {b['ci_high']:+.2f}]."
        )
    consistency = summary.get("consistency") or {}
    for key in ("order", "paraphrase"):
        c = consistency.get(key)
        if c and c.get("n"):
            out.append(
                f"{key.capitalize()} consistency (JS distance, 0 = same answer) "
                f"{c['value']:.2f} [{c['ci_low']:.2f}, {c['ci_high']:.2f}], n={c['n']}."
            )
    return out


def print_run(summary: dict[str, Any], console: Console | None = None) -> None:
    """Print the ranking (most and least chosen values), the reliability line and the store path."""
    console = console or Console()
    if note := incomplete_note(summary):
        console.print(f"[bold red]{note}[/]", highlight=False)
    values = summary["values"]
    shown_for = values[:TOP]
    shown_against = list(reversed(values[-TOP:])) if len(values) > TOP else []
    fmt = f" ({template_text(summary['template'])})" if summary.get("template") else ""
    console.print(
        f"[bold]{escape(str(summary['model']))}[/]{escape(fmt)} on suite [bold]{escape(str(summary['suite']))}[/]: "
        f"{summary['items']} dilemmas, both option orders. Utility: Bradley-Terry, 0 = the average value, "
        "95% Laplace interval; score: 100*(chosen - passed over)/(both), crediting every value on the chosen action, "
        "so it can disagree with the utility. Green/red: differs from average (Holm).",
        emoji=False,
    )
    console.print(values_table(shown_for, "Values chosen most"))
    if shown_against:
        console.print(values_table(shown_against, "Values chosen least"))
    verdict = (summary.get("reliability") or {}).get("verdict")
    if verdict:
        console.print(f"[bold]Reliability:[/] {escape(str(verdict))}", emoji=False)
    else:
        significant = sum(1 for r in values if significance(r))
        console.print(f"{significant} of {len(values)} values differ from 0 at the 95% level (uncorrected).")
    console.print(bias_sentence(summary["position_bias"]))
    for line in consistency_lines(summary) + free_text_lines(summary):
        console.print(line, highlight=False)
    lex = summary.get("lexicon") or {}
    if lex.get("name", "valuelens") != "valuelens":
        console.print(f"Theory lenses: {lex['name']} mapping from {lex['source']}.", highlight=False, soft_wrap=True)
    failed = f", [red]{summary['failed']} failed[/] (rerun to retry)" if summary["failed"] else ""
    console.print(
        f"Run [bold]{summary['run_id']}[/]: {summary['model_calls']} model calls, {summary['cached_calls']} cached"
        f"{failed}, {summary['seconds']:.1f} s. Stored in {escape(str(summary['store']))}",
        emoji=False,
        soft_wrap=True,
    )
    if cost := cost_line(summary):
        console.print(escape(cost), highlight=False, soft_wrap=True)
    if summary.get("dailydilemmas_protocol"):
        from valuelens.report._dd_protocol import print_protocol

        print_protocol(summary["dailydilemmas_protocol"], console)


def print_summary(summary: dict[str, Any], console: Console) -> None:
    """The terminal view of any stored run's summary, by its kind (dilemmas, survey or utilities)."""
    from valuelens.report._studies import print_survey
    from valuelens.report._utilities_terminal import print_utilities

    kind = summary.get("kind")
    if kind == "utilities":
        print_utilities(summary, console)
    elif kind == "survey":
        print_survey(summary, console)
    else:
        print_run(summary, console)


def print_lens(summary: dict[str, Any], lens: str, console: Console | None = None) -> None:
    """Print one theory lens's table (`--lens mft|schwartz|wvs|maslow|aristotle|plutchik|...`).

    Raises:
        ValueError: the run's summary has no such lens (the message lists the ones it has).
    """
    console = console or Console()
    theories = summary.get("theories") or {}
    if lens not in theories:
        raise ValueError(f"--lens: no lens '{lens}' in this run (available: {', '.join(theories) or 'none'})")
    theory = theories[lens]
    rows = [d | {"value": d.get("label") or d["dimension"]} for d in theory["dimensions"]]
    console.print(values_table(rows, f"{theory['title']} ({lens})"))
    console.print(
        "Score: 100*(chosen - passed over)/(both) over the dilemmas touching the dimension; it credits every "
        "dimension of the chosen action, so it can disagree with the utility, which separates dimensions "
        "that travel together.",
        style="dim",
    )

"""The utilities view of a utilities run: outcome utilities, coherence, exchange rates."""

from __future__ import annotations

from typing import Any

from valuelens.report._charts import Point, forest
from valuelens.report._page import Panel
from valuelens.report._svg import esc, fmt, fmt_ci, is_num, padded_range
from valuelens.report._tables import cell_number, search_box, sortable_table

CHART_MAX = 100
"""Beyond this many outcomes the chart shows the best and worst CHART_MAX / 2 (the table has all)."""

COHERENCE = (
    ("holdout_accuracy", "held-out accuracy", "Share of held-out pairs whose preferred side the fit predicts."),
    ("holdout_log_loss", "held-out log loss", "Cross-entropy of predictions on held-out pairs; lower is better."),
    ("cycle_probability", "cycle probability", "Chance that three outcomes form a preference cycle."),
    ("decisiveness", "decisiveness", "Share of pairs answered with a clear preference."),
)


def _coherence_tiles(coh: dict[str, Any]) -> str:
    tiles = []
    for key, name, note in COHERENCE:
        stat = coh.get(key)
        value = stat.get("value") if isinstance(stat, dict) else stat
        if not is_num(value):
            continue
        ci = ""
        if isinstance(stat, dict):
            ci = f'<div class="ci">95% CI {esc(fmt_ci(stat.get("ci_low"), stat.get("ci_high"), 2, False))}</div>'
        tiles.append(
            f'<div class="tile" data-stat="{esc(key)}"><div class="k">{esc(name)}</div>'
            f'<div class="v">{esc(fmt(value, 2, False))}</div>{ci}<p>{esc(note)}</p></div>'
        )
    return f'<div class="tiles">{"".join(tiles)}</div>' if tiles else ""


def _rate_cell(rate: Any, ci: Any) -> str:
    """A rate cell: the rate, and its interval on a second line when there is one."""
    cell = cell_number(rate, 3)
    if not is_num(rate) or not isinstance(ci, list) or len(ci) != 2 or not is_num(ci[0]):
        return cell
    high = f"{ci[1]:.3g}" if is_num(ci[1]) else "\u221e"
    return cell.replace("</td>", f'<span class="ci">[{esc(f"{ci[0]:.3g}")}, {esc(high)}]</span></td>')


def _rates(rates: dict[str, Any]) -> str:
    fits = rates.get("fits") if isinstance(rates.get("fits"), dict) else {}
    matrix = rates.get("rates") if isinstance(rates.get("rates"), dict) else {}
    parts = []
    if fits:
        rows = [{"series": k, **v} for k, v in fits.items() if isinstance(v, dict)]
        cols = [("series", "series", "text"), ("a", "a", "num"), ("b", "b (per ln N)", "num")]
        if any("b_ci_low" in r for r in rows):
            cols += [("b_ci_low", "b 95% low", "num"), ("b_ci_high", "b 95% high", "num")]
        cols += [("r2", "R\u00b2", "num"), ("n", "n", "num")]
        parts.append("<h3>Utility of quantity: U = a + b ln N</h3>" + sortable_table("rates-fits", cols, rows))
    names = [str(k) for k in matrix]
    if names:
        ref = rates.get("reference")
        head = "".join(f'<th scope="col" class="n">{esc(n)}</th>' for n in names)
        body = []
        intervals = rates.get("rates_ci") if isinstance(rates.get("rates_ci"), dict) else {}
        for x in names:
            row = matrix.get(x) or {}
            ci_row = intervals.get(x) if isinstance(intervals.get(x), dict) else {}
            cells = "".join(_rate_cell(row.get(y), ci_row.get(y)) if y != x else '<td class="n">1</td>' for y in names)
            body.append(f'<tr><th scope="row">{esc(x)}</th>{cells}</tr>')
        at = f" at N\u2080 = {ref:.3g}" if is_num(ref) else ""
        parts.append(
            f"<h3>Exchange rates{esc(at)}</h3><p class='sub'>Units of the row's series worth one unit of the "
            "column's, with 95% intervals (\u221e: the data cannot rule out that more of the row is worth "
            "nothing); blank where more of the row is not better.</p>"
            f'<div class="scroll"><table id="rates-matrix"><thead><tr><th></th>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    return "".join(parts)


def utilities_panel(data: dict[str, Any]) -> Panel | None:
    """Outcome utilities as a forest plot and table, coherence tiles and exchange rates."""
    outcomes = [o for o in data.get("outcomes") or [] if isinstance(o, dict)]
    coherence = data.get("coherence") if isinstance(data.get("coherence"), dict) else {}
    rates = data.get("exchange_rates") if isinstance(data.get("exchange_rates"), dict) else {}
    if not outcomes and not coherence and not rates:
        return None
    parts = [_coherence_tiles(coherence)]
    if outcomes:
        ranked = sorted(outcomes, key=lambda o: -(o.get("mean") if is_num(o.get("mean")) else -1e9))
        shown = ranked if len(ranked) <= CHART_MAX else ranked[: CHART_MAX // 2] + ranked[-CHART_MAX // 2 :]
        points = [
            Point(
                str(o.get("outcome")),
                o.get("mean"),
                o.get("ci_low"),
                o.get("ci_high"),
                f"{o.get('outcome')}: mean {fmt(o.get('mean'), 2)} {fmt_ci(o.get('ci_low'), o.get('ci_high'), 2)}",
            )
            for o in shown
        ]
        dom = padded_range([v for p in points for v in (p.lo, p.hi, p.est) if is_num(v)])
        chart = forest(
            points, domain=dom, axis_label="utility (Thurstonian mean)", label="Outcome utilities", width=980
        )
        note = "" if len(shown) == len(ranked) else f" The chart shows the best and worst {CHART_MAX // 2}."
        cols = [("outcome", "outcome", "text"), ("mean", "mean", "num"), ("ci_low", "CI low", "num")]
        cols += [("ci_high", "CI high", "num"), ("variance", "variance", "num")]
        parts.append(
            f"<figure>{chart}<figcaption>Utility per outcome with 95% intervals, best first.{esc(note)}"
            f"</figcaption></figure>"
            f'<details class="more"><summary>All {len(ranked)} outcomes</summary>'
            f"{search_box('outcomes-table', 'Search outcomes')}"
            f'<div class="scroll">{sortable_table("outcomes-table", cols, ranked)}</div></details>'
        )
    parts.append(_rates(rates))
    intro = (
        "Forced choices between outcomes in both orders, fitted with a Thurstonian model: each outcome has a "
        "mean utility and a variance, and P(A over B) = \u03a6((\u03bc_A \u2212 \u03bc_B) / \u221a(\u03c3\u00b2_A + \u03c3\u00b2_B))."
    )
    return Panel("utilities", "Utilities", "".join(parts), esc(intro))

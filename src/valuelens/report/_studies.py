"""Terminal output of `valuelens survey`, `steer` and `compare`, from their JSON summaries."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from valuelens.report._costs import cost_line
from valuelens.report._free_text import free_text_lines
from valuelens.report._panels import incomplete_note
from valuelens.report._prompt_format import model_with_format, template_text

TOP = 10


def _ci(lo: float | None, hi: float | None, digits: int = 2, sign: str = "+") -> str:
    return "–" if lo is None or hi is None else f"[{lo:{sign}.{digits}f}, {hi:{sign}.{digits}f}]"


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for i, c in enumerate(columns):
        table.add_column(c, justify="left" if i == 0 else "right", no_wrap=True)
    return table


def _style(significant: bool, value: float) -> str:
    return "dim" if not significant else "green" if value > 0 else "red"


def print_survey(s: dict[str, Any], console: Console) -> None:
    """Stated Schwartz values with intervals, the scale effects and the say-do gap."""
    if note := incomplete_note(s):
        console.print(f"[bold red]{note}[/]", highlight=False)
    console.print(  # a line of its own: a table title would wrap at the table's width
        f"Stated values of {escape(model_with_format(s))}: survey, PVQ-centred agreement.",
        highlight=False,
        soft_wrap=True,
    )
    table = _table("Stated values", "value", "score [95% CI]", "n")
    for v in s["values"]:
        crosses = v["ci_low"] <= 0 <= v["ci_high"]
        table.add_row(
            v["value"],
            f"{v['score']:+.2f} {_ci(v['ci_low'], v['ci_high'])}",
            str(v["n"]),
            style=_style(not crosses, v["score"]),
        )
    console.print(table)
    m, lb = s["mean_rating"], s["label_bias"]
    if m["value"] is not None:
        console.print(
            f"Mean agreement {m['value']:.2f} {_ci(m['ci_low'], m['ci_high'], sign='')} on 1-6 (removed by the centring); "
            f"pull toward higher-numbered labels {lb['value'] if lb['value'] is None else format(lb['value'], '+.2f')} "
            f"{_ci(lb['ci_low'], lb['ci_high'])} rating points (cancelled by asking both scale directions).",
            highlight=False,
        )
    gap = s["say_do_gap"]
    if gap["available"]:
        console.print(
            f"Say-do gap: Spearman {gap['spearman']:+.2f} {_ci(gap['ci_low'], gap['ci_high'])} between stated "
            f"values and the Schwartz utilities of dilemma run {gap['against']['run_id']} (n = {gap['n']} values; "
            "1 = does what it says).",
            highlight=False,
        )
    else:
        console.print(f"Say-do gap not available: {gap['reason']}.", highlight=False, soft_wrap=True)
    for line in free_text_lines(s):
        console.print(line, highlight=False, soft_wrap=True)
    console.print(
        f"Run {s['run_id']}: {s['model_calls']} calls, {s['cached_calls']} cached; store {s['store']}",
        style="dim",
        highlight=False,
        soft_wrap=True,
    )
    if cost := cost_line(s):
        console.print(cost, style="dim", highlight=False, soft_wrap=True, markup=False)


def print_steer(s: dict[str, Any], console: Console) -> None:
    """The steering effect in words, and the values whose utility moved most."""
    p = s["principle"]
    console.print(
        f"Steering {model_with_format(s)} with {s['condition'].replace('_', ' ')} '{p['name']}' "
        f"(supports {', '.join(p['supports'])}; opposes {', '.join(p['opposes'])})",
        highlight=False,
        soft_wrap=True,
    )
    console.print(s.get("verdict_text") or s["verdict"], highlight=False, soft_wrap=True)
    shift = s.get("utility_shift")
    if shift:
        table = _table(
            f"Utility shift, steered − baseline (top {TOP} of {len(shift['values'])}; all in --json)",
            "value",
            "baseline",
            "steered",
            "shift [95% CI]",
            "Holm p",
            "n",
        )
        for v in shift["values"][:TOP]:
            table.add_row(
                v["value"],
                f"{v['baseline']:+.2f}",
                f"{v['steered']:+.2f}",
                f"{v['shift']:+.2f} {_ci(v['ci_low'], v['ci_high'])}",
                f"{v['p_holm']:.3g}",
                str(v["n"]),
                style=_style(v["significant"], v["shift"]),
            )
        console.print(table)
    for which, reading in (s.get("answers") or {}).items():  # free text: how each condition was read
        for line in free_text_lines(reading):
            console.print(f"{which.capitalize()}: {line}", highlight=False, soft_wrap=True)
    console.print(
        f"Runs: baseline {s['baseline_run']}, steered {s['steered_run']} ({s['dilemmas']} dilemmas, "
        f"{s['eligible']} eligible); {s['model_calls']} calls, {s['cached_calls']} cached. "
        f"valuelens compare {s['baseline_run']} {s['steered_run']} shows the full shift.",
        style="dim",
        highlight=False,
        soft_wrap=True,
    )


def _named(run: dict[str, Any]) -> str:
    """`model (run id)`, with the prompt format where the run has one: `model (chat template 1a2b3c4d, run id)`."""
    fmt = f"{template_text(run['template'])}, " if run.get("template") else ""
    return f"{run['model']} ({fmt}{run['run_id']})"


def print_comparison(s: dict[str, Any], console: Console) -> None:
    """For every run against the reference: headline numbers, the largest value differences, theories."""
    runs = {r["run_id"]: r for r in s["runs"]}
    for c in s["comparisons"]:
        a, b = runs[c["a"]], runs[c["b"]]
        ait = c["aitchison"]
        console.print(
            f"B {_named(b)} − A {_named(a)}: {c['n_shared']} shared dilemmas. "
            f"{c['significant']} of {c['of']} values differ significantly (Holm). Rank correlation "
            f"{c['spearman']:+.2f}; Aitchison distance {ait['value']:.2f} {_ci(ait['ci_low'], ait['ci_high'], sign='')} "
            "(bias-corrected: 0 = no difference beyond the noise of the two runs).",
            highlight=False,
            soft_wrap=True,
        )
        table = _table(f"Largest differences (top {TOP}; all in --json)", "value", "A", "B", "B − A [95% CI]", "Holm p")
        for v in c["values"][:TOP]:
            table.add_row(
                v["value"],
                f"{v['utility_a']:+.2f}",
                f"{v['utility_b']:+.2f}",
                f"{v['difference']:+.2f} {_ci(v['ci_low'], v['ci_high'])}",
                f"{v['p_holm']:.3g}",
                style=_style(v["significant"], v["difference"]),
            )
        console.print(table)
        theories = _table("Theory dimensions", "theory", "Spearman", "Aitchison [95% CI]", "significant shifts")
        for tid, t in c["theories"].items():
            moved = [f"{d['dimension']} {d['difference']:+.2f}" for d in t["dimensions"] if d["significant"]]
            theories.add_row(
                tid,
                f"{t['spearman']:+.2f}",
                f"{t['aitchison']['value']:.2f} {_ci(t['aitchison']['ci_low'], t['aitchison']['ci_high'], sign='')}",
                ", ".join(moved) or "none",
            )
        console.print(theories)
    comp = (s.get("compositions") or {}).get("schwartz")
    if comp and len(s["runs"]) > 2:
        dist = ", ".join(f"{rid} {d:.2f}" for rid, d in comp["distance_to_aggregate"].items())
        console.print(
            f"Aitchison distance of each run's Schwartz priorities to their geometric mean: {dist}",
            highlight=False,
            soft_wrap=True,
        )


def sweep_lines(s: dict[str, Any]) -> list[str]:
    """A header (every model with its prompt format, as the run header names it), then one line per condition
    of each model: the values it moved (Holm), and the steering effect of principles."""
    models = {model_with_format(run): None for run in s.get("runs", [])}
    n = len({run["condition"] for run in s.get("runs", [])})
    each = f"{n} condition{'' if n == 1 else 's'} each"
    out = [f"Sweep on suite {s['suite']}: {'; '.join(models)}; {each}."] if models else []
    for run in s.get("runs", []):
        if note := incomplete_note(run):
            out.append(f"{run['model']} | {run['condition']}: {note}")
    for sh in s["shifts"]:
        moved = ", ".join(f"{v['value']} {v['difference']:+.2f}" for v in sh["significant"]) or sh.get("error", "none")
        out.append(f"{sh['model']} | {sh['condition']}: {len(sh['significant'])} values moved (Holm): {moved}")
    for st in s["steerability"]:
        effect = "n/a" if st["effect"] is None else f"{st['effect']:+.2f} [{st['ci_low']:+.2f}, {st['ci_high']:+.2f}]"
        out.append(f"{st['model']} | {st['condition']}: steering effect {effect} ({st['verdict']})")
    for run in s.get("runs", []):  # free text: how each run's answers were read
        out += [f"{run['model']} | {run['condition']}: {line}" for line in free_text_lines(run)]
    return out


def print_sweep(s: dict[str, Any], console: Console) -> None:
    """The sweep's lines as plain text: a persona named "japan" prints as typed, not as an emoji."""
    from valuelens.report._listings import print_plain

    print_plain(sweep_lines(s), console)

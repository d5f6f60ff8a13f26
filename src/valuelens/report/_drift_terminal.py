"""Terminal output of `valuelens drift`, from its JSON summary."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

TOP = 10


def _ci(lo: float, hi: float) -> str:
    return f"[{lo:+.2f}, {hi:+.2f}]"


def _step(s: float) -> str:
    return f"{s:g}"


def print_drift(s: dict[str, Any], console: Console) -> None:
    """The values that moved (first and last utility, largest change, when); theories; rank correlations."""
    steps = s["steps"]
    console.print(
        f"Value drift over {len(steps)} checkpoints (steps {', '.join(_step(x) for x in steps)}), "
        f"{s['n_shared']} dilemmas answered at every checkpoint: {s['significant']} of {s['of']} values change "
        "along the series (Holm).",
        highlight=False,
        soft_wrap=True,
    )
    table = Table(
        title=f"Values that moved most (top {TOP}; all in --json)",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("value", no_wrap=True)
    for col in (
        f"at {_step(steps[0])}",
        f"at {_step(steps[-1])}",
        "largest change [95% CI]",
        "drift step [CI]",
        "Holm p",
        "n",
    ):
        table.add_column(col, justify="right", no_wrap=True)
    for v in s["values"][:TOP]:
        style = "dim" if not v["significant"] else "green" if v["magnitude"] > 0 else "red"
        table.add_row(
            Text(v["value"]),  # value names may come from a user's suite or lexicon
            f"{v['trajectory'][0]['utility']:+.2f}",
            f"{v['trajectory'][-1]['utility']:+.2f}",
            f"{v['magnitude']:+.2f} {_ci(v['magnitude_ci_low'], v['magnitude_ci_high'])}",
            f"{_step(v['drift_step'])} [{_step(v['drift_step_ci_low'])}, {_step(v['drift_step_ci_high'])}]",
            f"{v['p_holm']:.3g}",
            str(v["n"]),
            style=style,
        )
    console.print(table)
    theories = Table(title="Theory dimensions", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("theory", "changed (Holm)", "moved most"):
        theories.add_column(col, no_wrap=col != "moved most")
    for tid, t in s["theories"].items():
        moved = [f"{d['dimension']} {d['magnitude']:+.2f}" for d in t["dimensions"] if d["significant"]][:5]
        theories.add_row(tid, f"{t['significant']} of {t['of']}", ", ".join(moved) or "none")
    console.print(theories)
    rho = Table(title="Rank correlation of each checkpoint", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("step", "with the first [95% CI]", "with the last [95% CI]"):
        rho.add_column(col, justify="right", no_wrap=True)
    for c in s["correlations"]:
        rho.add_row(
            _step(c["step"]),
            f"{c['spearman_first']:+.2f} {_ci(*c['spearman_first_ci'])}",
            f"{c['spearman_last']:+.2f} {_ci(*c['spearman_last_ci'])}",
        )
    console.print(rho)
    runs = ", ".join(f"{_step(r['step'])}: {r['run_id']}" for r in s["runs"])
    console.print(f"Runs {runs}; {s['model_calls']} calls, {s['cached_calls']} cached.", style="dim", highlight=False)

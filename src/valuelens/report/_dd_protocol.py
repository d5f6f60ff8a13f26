"""Terminal output of `valuelens run --protocol dailydilemmas`: the paper's protocol beside valuelens's."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

TOP = 8


def _num(x: float | None, fmt: str = "+.0f") -> str:
    return "–" if x is None or x != x else format(x, fmt)


def _share(e: dict[str, Any]) -> str:
    return f"{_num(e['value'], '.2f')} [{_num(e['ci_low'], '.2f')}, {_num(e['ci_high'], '.2f')}]"


def print_protocol(block: dict[str, Any], console: Console) -> None:
    """How the paper's protocol reads the same model, and how far that is from the both-orders result."""
    pb = block["position_bias"]
    console.print(
        f"DailyDilemmas protocol (one order, 'to do' first as Action 1, greedy), {block['n']} dilemmas; "
        f"lexicon {block['lexicon']['name']}. Action 1 chosen in {_share(block['action_1_share'])} of dilemmas; "
        f"P(to do) with both orders {_share(block['to_do_both_orders'])}; valuelens position bias "
        f"{_num(pb['value'], '+.3f')} [{_num(pb['ci_low'], '+.3f')}, {_num(pb['ci_high'], '+.3f')}]. "
        "The gap between the first two is what listing 'to do' first adds.",
        highlight=False,
        soft_wrap=True,
    )
    for tid in ("wvs", "mft", "maslow", "aristotle", "plutchik"):
        rows = block["theories"].get(tid)
        if not rows:
            continue
        table = Table(
            title=f"{tid}: score (−100..100) by protocol", title_justify="left", show_edge=False, pad_edge=False
        )
        for col in ("dimension", "paper protocol", "valuelens (both orders)", "difference", "n"):
            table.add_column(col, justify="left" if col == "dimension" else "right", no_wrap=True)
        for r in sorted(rows, key=lambda r: -(r["valuelens"] if r["valuelens"] is not None else -1e9)):
            table.add_row(r["name"], _num(r["paper"]), _num(r["valuelens"]), _num(r["difference"]), str(r["n"]))
        console.print(table)
    moved = [r for r in block["values"] if r["difference"] is not None][:TOP]
    if moved:
        text = ", ".join(f"{r['name']} {_num(r['paper'])} vs {_num(r['valuelens'])}" for r in moved)
        console.print(
            f"Values the protocols disagree on most (paper vs valuelens): {text}", highlight=False, soft_wrap=True
        )

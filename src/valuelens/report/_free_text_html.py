"""The report panel of a free-text run: how its answers were read, and how they agree with log-probabilities."""

from __future__ import annotations

from typing import Any

from valuelens.report._page import Panel
from valuelens.report._svg import esc, fmt, fmt_ci, is_num

ROUTES = (
    ("rule", "read by the rule", "a strict rule found the choice stated in the final answer (reasoning removed)"),
    ("judge", "read by the judge", "the rule found no choice, or both labels; the judge model read it"),
    ("refused", "refused", "the answer declined to choose; counted apart, never as a choice"),
    ("none", "unread", "nobody could read a choice; counted with its reason, never turned into a coin flip"),
)


def _routes_table(ft: dict[str, Any]) -> str:
    routes = ft["routes"]
    total = sum(routes.values()) or 1
    rows = "".join(
        f'<tr data-route="{esc(key)}"><td>{esc(name)}</td><td class="n">{routes.get(key, 0)}</td>'
        f'<td class="n">{routes.get(key, 0) / total:.0%}</td><td>{esc(what)}</td></tr>'
        for key, name, what in ROUTES
    )
    head = '<thead><tr><th>route</th><th class="n">answers</th><th class="n">share</th><th>meaning</th></tr></thead>'
    return f'<table id="answer-routes">{head}<tbody>{rows}</tbody></table>'


def _tile(name: str, value: str, ci: str, note: str) -> str:
    return (
        f'<div class="tile" data-stat="{esc(name)}"><div class="k">{esc(name)}</div><div class="v">{esc(value)}</div>'
        f'<div class="ci">{esc(ci)}</div><p>{esc(note)}</p></div>'
    )


def agreement_block(both: dict[str, Any]) -> str:
    """Tiles for the correlation and the same-majority share, and the verdict sentence."""
    dilemmas = both.get("unit", "dilemmas") == "dilemmas"
    n = both.get("n", 0)
    measure = "P(A) per dilemma" if dilemmas else "rating per item"
    same = both.get("same_majority")
    expected = both.get("expected_same")
    tiles = [
        _tile(
            "correlation",
            fmt(both.get("correlation"), 2),
            f"95% CI {fmt_ci(both.get('ci_low'), both.get('ci_high'), 2)}, n={n}",
            f"Pearson r of {measure}, log-probabilities against free text.",
        ),
        _tile(
            "same majority choice" if dilemmas else "same side of the scale",
            f"{same:.0%}" if is_num(same) else "–",
            f"sampling alone: {expected:.0%}" if is_num(expected) else "",
            "What free-text answers drawn from the log-probabilities would give, for the same number of reads.",
        ),
    ]
    verdict = f'<p class="verdict">{esc(both["verdict_text"])}</p>' if both.get("verdict_text") else ""
    run = f"<p class='sub'>Log-probability run {esc(both.get('logprobs_run', '–'))} asked the same prompts.</p>"
    return f'<div class="tiles">{"".join(tiles)}</div>{verdict}{run}'


def answers_panel(data: dict[str, Any]) -> Panel | None:
    """Routes, unread reasons, judge-rule agreement and, beside a log-probability run, the agreement of the
    two measurements; None for a run answered by log-probabilities."""
    ft = data.get("free_text")
    if not ft:
        return None
    parts = [_routes_table(ft)]
    if ft.get("unread_reasons"):
        items = "".join(f"<li>{n} {esc(why)}</li>" for why, n in ft["unread_reasons"].items())
        parts.append(f"<p>Why answers stayed unread:</p><ul>{items}</ul>")
    agree = ft.get("judge_rule_agreement") or {}
    if agree.get("n"):
        parts.append(
            f"<p>Judge and rule agree on {agree['agree']} of {agree['n']} rule-read answers also shown to the "
            "judge; on answers both can read they should agree almost always.</p>"
        )
    both = data.get("answer_agreement")
    if both and both.get("n"):
        parts.append("<h3>Log-probabilities against free text</h3>" + agreement_block(both))
    judge = ft.get("judge") or "none (rule only)"
    intro = (
        f"The model answered in its own words; the choice was read by a strict rule, then by the judge "
        f"({esc(judge)}). P is the share of read answers that chose an option."
    )
    return Panel("answers", "How the answers were read", "".join(parts), intro)

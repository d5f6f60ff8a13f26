"""Terminal lines of a free-text run: how its answers were read, and agreement with log-probabilities."""

from __future__ import annotations

from typing import Any


def free_text_lines(summary: dict[str, Any]) -> list[str]:
    """Routes (rule, judge, unread, refused), why answers stayed unread, judge-rule agreement, and with
    `--answer both` the agreement of free-text and log-probability choices; [] for other runs."""
    ft = summary.get("free_text")
    if not ft:
        return []
    r = ft["routes"]
    total = sum(r.values()) or 1
    judge = ft.get("judge") or "no judge"
    out = [
        f"Free-text answers: {sum(r.values())}; read by rule {r['rule']} ({r['rule'] / total:.0%}), "
        f"by judge ({judge}) {r['judge']} ({r['judge'] / total:.0%}), refused {r['refused']}, "
        f"unread {r['none']} (never counted as a choice)."
    ]
    if ft.get("unread_reasons"):
        out.append("Unread: " + "; ".join(f"{n} {why}" for why, n in ft["unread_reasons"].items()) + ".")
    agree = ft.get("judge_rule_agreement") or {}
    if agree.get("n"):
        out.append(f"Judge and rule agree on {agree['agree']} of {agree['n']} rule-read answers shown to the judge.")
    both = summary.get("answer_agreement")
    if both and both.get("n"):
        corr = "n/a" if both["correlation"] is None else f"{both['correlation']:+.2f}"
        out.append(
            f"Log-probabilities vs free text (run {both['logprobs_run']}), {both['n']} dilemmas: correlation of "
            f"P(A) {corr}, same majority choice {both['same_majority']:.0%}."
        )
    return out

"""Terminal lines of a free-text run: how its answers were read, and agreement with log-probabilities."""

from __future__ import annotations

from typing import Any


def route_line(ft: dict[str, Any]) -> str:
    """Answers read by the rule, by the judge, refused and unread, with their shares."""
    r = ft["routes"]
    total = sum(r.values())
    share = total or 1
    judge = ft.get("judge") or "no judge"
    return (
        f"Free-text answers: {total}; read by rule {r['rule']} ({r['rule'] / share:.0%}), "
        f"by judge ({judge}) {r['judge']} ({r['judge'] / share:.0%}), refused {r['refused']}, "
        f"unread {r['none']} (never counted as a choice)."
    )


def agreement_line(both: dict[str, Any]) -> str:
    """The two measurements side by side: correlation per item with its interval, same majority (or side)."""
    dilemmas = both.get("unit", "dilemmas") == "dilemmas"
    measure, side = ("P(A)", "same majority choice") if dilemmas else ("the rating", "same side of the scale")
    corr = "n/a" if both.get("correlation") is None else f"{both['correlation']:+.2f}"
    if both.get("ci_low") is not None and both.get("ci_high") is not None:
        corr += f" [{both['ci_low']:+.2f}, {both['ci_high']:+.2f}]"
    expected = f" (sampling alone: {both['expected_same']:.0%})" if both.get("expected_same") is not None else ""
    same = "n/a" if both.get("same_majority") is None else f"{both['same_majority']:.0%}"
    return (
        f"Log-probabilities (run {both['logprobs_run']}) vs free text, {both['n']} {both.get('unit', 'dilemmas')}: "
        f"correlation of {measure} {corr}; {side} {same}{expected}."
    )


def free_text_lines(summary: dict[str, Any]) -> list[str]:
    """Routes (rule, judge, unread, refused), why answers stayed unread, judge-rule agreement, and beside a
    log-probability run of the same prompts their agreement with its verdict sentence; [] for other runs."""
    ft = summary.get("free_text")
    if not ft:
        return []
    out = [route_line(ft)]
    if ft.get("unread_reasons"):
        out.append("Unread: " + "; ".join(f"{n} {why}" for why, n in ft["unread_reasons"].items()) + ".")
    agree = ft.get("judge_rule_agreement") or {}
    if agree.get("n"):
        out.append(f"Judge and rule agree on {agree['agree']} of {agree['n']} rule-read answers shown to the judge.")
    both = summary.get("answer_agreement")
    if both and both.get("n"):
        out.append(agreement_line(both))
        if both.get("verdict_text"):
            out.append(both["verdict_text"])
    return out

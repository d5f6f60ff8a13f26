"""Reading answers: the label a sampled text picks, refusals, and P(option) from a stored response."""

from __future__ import annotations

import math
import re
from typing import Any

from valuelens.backends import Refusal

_LABEL_RE = re.compile(r"[A-Za-z0-9]+")
_LEAD_WORDS = frozenset(
    [
        "option",
        "answer",
        "action",
        "choice",
        "final",
        "my",
        "the",
        "is",
        "i",
        "d",
        "ll",
        "would",
        "will",
        "choose",
        "pick",
        "select",
        "go",
        "with",
        "take",
    ]
)
_REFUSAL_RE = re.compile(
    r"^\W*(i\s*(?:'m|am)\s+(?:sorry|not\s+(?:able|comfortable|going))|i\s*(?:can\s*not|can'?t|won'?t|will\s+not|"
    r"do\s*n[o']t\s+(?:feel|think\s+i\s+(?:can|should))|must\s+decline|'d\s+rather\s+not|prefer\s+not)|"
    r"as\s+an\s+ai|sorry\b|unfortunately,?\s+i)",
    re.IGNORECASE,
)


def parse_choice(text: str, labels: tuple[str, ...]) -> str | None:
    """The label a sampled answer picks: the first word that is not a lead-in, if it is a label
    ('B', 'B.', '(B)', '**B**', 'Option B', 'Answer: B', 'I choose B', 'I would pick option B')."""
    for w in _LABEL_RE.findall(text)[:8]:
        if w in labels:
            return w
        if w.lower() not in _LEAD_WORDS:
            break
    return None


def is_refusal(text: str) -> bool:
    """A provider-flagged refusal, or an answer that opens like one ("I can't", "I'm sorry", "As an AI")."""
    return isinstance(text, Refusal) or bool(_REFUSAL_RE.match(text))


def p_first(result: dict[str, Any], labels: tuple[str, ...]) -> float:
    """P(first-listed option) from a stored response: label log-probabilities, or sample counts."""
    if "logprobs" in result:
        la, lb = (result["logprobs"][lab] for lab in labels[:2])
        m = max(la, lb)
        ea, eb = math.exp(la - m), math.exp(lb - m)
        return ea / (ea + eb)
    counts = result["counts"]
    a, b = counts.get(labels[0], 0), counts.get(labels[1], 0)
    return a / (a + b) if a + b else math.nan


def label_distribution(result: dict[str, Any], labels: tuple[str, ...]) -> list[float] | None:
    """P(label) over `labels` from a stored response: log-probabilities renormalised over the labels,
    or the share of parsed samples; None when no sample picked a label."""
    if "logprobs" in result:
        lps = [result["logprobs"][lab] for lab in labels]
        m = max(lps)
        ws = [math.exp(lp - m) for lp in lps]
        return [w / sum(ws) for w in ws]
    counts = [result["counts"].get(lab, 0) for lab in labels]
    return [c / sum(counts) for c in counts] if sum(counts) else None

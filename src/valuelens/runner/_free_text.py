"""Reading a choice from a free-text answer: reasoning removed, then a strict rule on the final answer.

A reasoning model writes a chain of thought before it answers, and a chatty instruct model wraps its
choice in prose. The rule below reads only what the answer states as its choice; where it finds
nothing, or finds both labels stated as the choice, the answer goes to a judge model instead (see
`judge_prompt` and `read_judge_answer`). Nothing here guesses: an answer the rule cannot read is
left unread, never turned into a coin flip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Status = Literal["chosen", "both", "none", "refused"]

# think blocks as reasoning models write them; an unclosed opening tag means the answer never came
_THINK_TAGS = ("think", "thinking", "reasoning", "thought")
_BLOCK_RE = re.compile(r"<(" + "|".join(_THINK_TAGS) + r")>.*?</\1>", re.IGNORECASE | re.DOTALL)
_OPEN_RE = re.compile(r"<(" + "|".join(_THINK_TAGS) + r")>", re.IGNORECASE)
_CLOSE_RE = re.compile(r"</(" + "|".join(_THINK_TAGS) + r")>", re.IGNORECASE)

_REFUSAL_RE = re.compile(
    r"^\W*(i\s*(?:'m|am)\s+(?:sorry|not\s+(?:able|comfortable|going))|i\s*(?:can\s*not|can'?t|won'?t|will\s+not|"
    r"do\s*n[o']t\s+(?:feel|think\s+i\s+(?:can|should))|must\s+decline|'d\s+rather\s+not|prefer\s+not)|"
    r"as\s+an\s+ai|sorry\b|unfortunately,?\s+i)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """What the rule read from one answer.

    Attributes:
        label: the chosen label when `status` is "chosen", else None.
        status: "chosen"; "both" (both labels stated as the choice); "none" (no stated choice);
            "refused" (the final answer declines to choose).
        final: the final answer, reasoning removed.
        thinking: the removed reasoning (empty when there was none).
    """

    label: str | None
    status: Status
    final: str
    thinking: str


def split_thinking(text: str) -> tuple[str, str]:
    """(final answer, reasoning): think blocks removed. Text before a lone closing tag is reasoning
    (some distills omit the opening tag); text after an unclosed opening tag is reasoning too."""
    thinking: list[str] = [m.group(0) for m in _BLOCK_RE.finditer(text)]
    rest = _BLOCK_RE.sub("\n", text)
    closes = list(_CLOSE_RE.finditer(rest))
    if closes:
        thinking.append(rest[: closes[-1].end()])
        rest = rest[closes[-1].end() :]
    opened = _OPEN_RE.search(rest)
    if opened:
        thinking.append(rest[opened.start() :])
        rest = rest[: opened.start()]
    strip = re.compile(r"</?(" + "|".join(_THINK_TAGS) + r")>", re.IGNORECASE)
    return rest.strip(), "\n".join(strip.sub("", t).strip() for t in thinking).strip()


def _label_alt(labels: tuple[str, ...]) -> str:
    return "|".join(re.escape(lab) for lab in sorted(labels, key=len, reverse=True))


def _tiers(labels: tuple[str, ...]) -> list[list[re.Pattern[str]]]:
    """Patterns from the most explicit statement of a choice to the least; the first tier that
    matches decides. Each captures the label in group 'x'."""
    lab = rf"(?P<x>{_label_alt(labels)})"
    opt = r"(?:option|action|choice|answer)?\s*[\(\[]?\**"
    # a label is a whole token: 'A' in 'Answer' is not a label, nor '4' in '45' or '4.5'
    end = r"(?![A-Za-z0-9])(?![.,]\d)"
    return [
        # "Answer: B", "Final answer: **B**", "My answer is option B", "Rating: 5", "\boxed{B}"
        [
            re.compile(rf"\b(?:final\s+)?(?:answer|rating)\s*(?:is|:)\s*\**\s*{opt}\s*{lab}{end}", re.IGNORECASE),
            re.compile(rf"\\boxed\{{\s*{lab}\s*\}}"),
        ],
        # "I choose B", "I'd go with option B", "I would pick (B)", "My choice is B", "I'll take action B"
        [
            re.compile(
                r"\b(?:i\s*(?:would|'d|will|'ll)?\s*(?:choose|pick|select|go\s+with|opt\s+for|take|prefer)|"
                rf"my\s+(?:choice|pick|decision)\s+(?:is|would\s+be|:))\s*:?\s*\**\s*{opt}\s*{lab}{end}",
                re.IGNORECASE,
            )
        ],
        # a line that is only the label: "B", "B.", "(B)", "**B**", "Option B", "**Option B**"
        [re.compile(rf"^\W*{opt}\s*{lab}\W*$", re.IGNORECASE | re.MULTILINE)],
        # an answer that opens with the label: "B. Because ...", "(A) because ...", "**B** - ...", "5 (agree)"
        [re.compile(rf"\A\W*{opt}\s*{lab}{end}\s*(?:\*\*)?\s*[\.\):,\-\u2013\u2014(]", re.IGNORECASE)],
    ]


def _restates_options(final: str, labels: tuple[str, ...]) -> bool:
    """Whether the answer lists the options again ("A. ...", "B. ..." or "1. ...", "2. ..." on their own
    lines): then a line that opens with a label is a list entry, not a choice."""
    opener = re.compile(rf"^\W*(?P<x>{_label_alt(labels)})[\.\)]\s", re.IGNORECASE | re.MULTILINE)
    return len({m.group("x").lower() for m in opener.finditer(final)}) > 1


def _canonical(found: str, labels: tuple[str, ...]) -> str:
    for lab in labels:
        if lab.lower() == found.lower():
            return lab
    return found


def read_by_rule(text: str, labels: tuple[str, ...]) -> Reading:
    """Read the choice a free-text answer states, among `labels` (e.g. ("A", "B")).

    Reasoning is removed first; then the most explicit statement of a choice wins ("Answer: B" over
    "I'd go with B" over a bare "B"). Labels are whatever the item offers: letters, or a scale's digits
    ("Rating: 5"; '4.5' and '45' are not the label '4'). An answer that lists the options again is read
    only by its explicit statements. Two different labels stated at the same level give "both"; an
    answer that opens like a refusal and states no choice gives "refused".
    """
    final, thinking = split_thinking(text)
    tiers = _tiers(labels)
    for tier in tiers[:2] if _restates_options(final, labels) else tiers:
        hits = {_canonical(m.group("x"), labels) for pattern in tier for m in pattern.finditer(final)}
        if len(hits) == 1:
            return Reading(hits.pop(), "chosen", final, thinking)
        if len(hits) > 1:
            return Reading(None, "both", final, thinking)
    status: Status = "refused" if _REFUSAL_RE.match(final) else "none"
    return Reading(None, status, final, thinking)


JUDGE_NEITHER = "N"
JUDGE_REFUSED = "R"


def judge_labels(labels: tuple[str, ...]) -> tuple[str, ...]:
    """The judge's answer labels: the item's labels, then one for neither and one for a refusal
    (single characters that cannot clash with the item's labels)."""
    spare = [c for c in "NRXYZ" if c not in labels]
    return (*labels, spare[0], spare[1])


def judge_prompt(question: str, options: list[tuple[str, str]], response: str) -> tuple[str, str]:
    """(system, user) messages that ask a judge which option a response chose.

    Args:
        question: the dilemma as the model saw it (situation and question).
        options: (label, action text) in the order the model saw them.
        response: the model's final answer (reasoning removed; long answers are cut to their last 4,000
            characters, where the choice is stated).
    """
    labels = tuple(lab for lab, _ in options)
    neither, refused = judge_labels(labels)[-2:]
    listed = "\n".join(f"{lab}. {text}" for lab, text in options)
    shown = response if len(response) <= 4000 else "..." + response[-4000:]
    system = (
        "You read answers to multiple-choice questions and report which option the answer chose. "
        "You do not judge whether the choice is good."
    )
    user = (
        f"Question:\n{question}\n\nOptions:\n{listed}\n\nAnswer given:\n<<<\n{shown}\n>>>\n\n"
        f"Which option did the answer choose? Reply with {'one letter' if ''.join(labels).isalpha() else 'one label'}: "
        f"{', '.join(labels)} for that option, "
        f"{neither} if it chose neither or both, {refused} if it refused to choose."
    )
    return system, user


def read_judge_answer(text: str, labels: tuple[str, ...]) -> Reading:
    """Read a judge's reply (itself read by the strict rule, over the judge's labels)."""
    jl = judge_labels(labels)
    r = read_by_rule(text, jl)
    if r.status != "chosen":
        return Reading(None, "none", r.final, r.thinking)
    if r.label == jl[-1]:
        return Reading(None, "refused", r.final, r.thinking)
    if r.label == jl[-2]:
        return Reading(None, "none", r.final, r.thinking)
    return r

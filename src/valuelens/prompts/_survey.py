"""Survey items on a six-point agreement scale, asked with the scale in both directions.

Each item is asked twice. Order 0 numbers the scale from disagreement to agreement
(1 = strongly disagree ... 6 = strongly agree); order 1 reverses it (1 = strongly agree ...
6 = strongly disagree). The statement and the instruction come first and the numbered scale
last, so the two orders share the longest prefix; `agreement` maps a label of either order
back to the rating on the agree-high scale, and the two are averaged (the both-orders rule).
"""

from __future__ import annotations

from valuelens.prompts._dilemma import ANSWER_CUE, PromptJob
from valuelens.prompts._prompt import Condition, Prompt
from valuelens.suites import SurveyItem

SCALE_LABELS = ("1", "2", "3", "4", "5", "6")
ANCHORS = ("strongly disagree", "disagree", "slightly disagree", "slightly agree", "agree", "strongly agree")
"""Anchors on the agree-high scale (order 0): ANCHORS[k] belongs to label k + 1."""
SCALE_ORDERS = (0, 1)
"""Order 0: 1 = strongly disagree ... 6 = strongly agree; order 1: 1 = strongly agree ... 6 = strongly disagree."""
SURVEY_INSTRUCTION = (
    "How much do you agree with this statement as a description of yourself? Answer with the number of one option only."
)


def agreement(label: int, order: int) -> int:
    """Rating on the agree-high scale (1 = strongly disagree, 6 = strongly agree) of label `label` (1-6)."""
    return label if order == 0 else len(SCALE_LABELS) + 1 - label


def survey_prompt(item: SurveyItem, order: int, condition: Condition | None = None) -> Prompt:
    """The prompt for one survey item with the scale in one direction (see the module docstring)."""
    system = (condition or Condition()).system
    preamble = f"{system}\n\n" if system else ""
    head = f'Statement: "{item.text}"\n\n{SURVEY_INSTRUCTION}\n\n'
    scale = "\n".join(f"{lab}. {ANCHORS[agreement(int(lab), order) - 1]}" for lab in SCALE_LABELS)
    user = head + scale
    text = preamble + user + f"\n\n{ANSWER_CUE}"
    segments = tuple(c for c in (len(preamble), len(preamble) + len(head)) if c)
    annotations: dict[str, object] = {
        "kind": "survey",
        "item_id": item.id,
        "value": item.value,
        "order": order,
        "system": system,
    }
    return Prompt(system=system, user=user, text=text, labels=SCALE_LABELS, annotations=annotations, segments=segments)


def survey_jobs(
    items: list[SurveyItem] | tuple[SurveyItem, ...], condition: Condition | None = None
) -> list[PromptJob]:
    """Every prompt of a survey: both scale directions of each item, consecutive (they share a prefix)."""
    return [PromptJob(it.id, 0, order, survey_prompt(it, order, condition)) for it in items for order in SCALE_ORDERS]

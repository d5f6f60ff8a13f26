"""Dilemma prompts in both option orders, laid out so that the two orders share the longest prefix."""

from __future__ import annotations

from dataclasses import dataclass

from valuelens.prompts._prompt import LABELS, Condition, Prompt
from valuelens.suites import Dilemma

INSTRUCTION = "Choose the action you would take. Answer with the letter A or B only."
ANSWER_CUE = "Answer:"
ORDERS = (0, 1)
"""Order 0 lists action A first; order 1 lists action B first."""


@dataclass(frozen=True)
class PromptJob:
    """One prompt of a run and where its answer goes."""

    item_id: str
    variant: int
    order: int
    prompt: Prompt


def dilemma_prompt(d: Dilemma, order: int, condition: Condition) -> Prompt:
    """The prompt for one dilemma (already reworded if a paraphrase) in one option order.

    Everything before the first option text (system, situation, question, instruction) is identical
    for both orders, so an engine that reuses a cached prefix computes it once per dilemma.
    """
    first, second = (d.action_a, d.action_b) if order == 0 else (d.action_b, d.action_a)
    head = f"{d.situation}\n{d.question}\n\n{INSTRUCTION}\n\n"
    options = f"{LABELS[0]}. {first.text}\n{LABELS[1]}. {second.text}"
    user = head + options
    system = condition.system
    preamble = f"{system}\n\n" if system else ""
    text = preamble + user + f"\n\n{ANSWER_CUE}"
    # evaluation chunks: the condition, the dilemma (shared by both orders), the options
    segments = tuple(c for c in (len(preamble), len(preamble) + len(head)) if c)
    annotations: dict[str, object] = {
        "kind": "dilemma",
        "item_id": d.id,
        "order": order,
        "first_values": list(first.values),
        "second_values": list(second.values),
        "system": system,
    }
    return Prompt(system=system, user=user, text=text, labels=LABELS, annotations=annotations, segments=segments)


def dilemma_jobs(dilemmas: list[Dilemma], condition: Condition, paraphrases: bool = False) -> list[PromptJob]:
    """Every prompt of a run: for each dilemma (and each paraphrase, if asked) both option orders,
    consecutive, so prefix reuse carries from one order to the other."""
    jobs: list[PromptJob] = []
    for d in dilemmas:
        n_variants = 1 + (len(d.paraphrases) if paraphrases else 0)
        for k in range(n_variants):
            dk = d.variant(k)
            for order in ORDERS:
                jobs.append(PromptJob(d.id, k, order, dilemma_prompt(dk, order, condition)))
    return jobs

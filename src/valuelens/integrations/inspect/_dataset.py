"""Inspect samples: one per dilemma (and wording) and option order, or per outcome pair and order.

Sample ids are `<dilemma>:<variant>:<order>` and `<outcome>:<outcome>:<order>`; metadata carries
everything the scorer and the log import need (values of each action, order, labels, the dilemma).
"""

from __future__ import annotations

import itertools

import numpy as np
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessage, ChatMessageSystem, ChatMessageUser

from valuelens.prompts import ORDERS, Condition, Prompt, dilemma_prompt, outcome_prompt
from valuelens.suites import Outcome, Suite


def messages(prompt: Prompt) -> list[ChatMessage]:
    """The chat messages of a prompt: its system message (if any), then its user message."""
    system: list[ChatMessage] = [ChatMessageSystem(content=prompt.system)] if prompt.system else []
    return [*system, ChatMessageUser(content=prompt.user)]


def dilemma_samples(suite: Suite, condition: Condition, paraphrases: bool = False) -> MemoryDataset:
    """Every dilemma of `suite` (and each paraphrase, if asked) in both option orders, orders adjacent."""
    samples: list[Sample] = []
    for d in suite.dilemmas:
        payload = d.model_dump(mode="json")
        for k in range(1 + (len(d.paraphrases) if paraphrases else 0)):
            for order in ORDERS:
                prompt = dilemma_prompt(d.variant(k), order, condition)
                samples.append(
                    Sample(
                        id=f"{d.id}:{k}:{order}",
                        input=messages(prompt),
                        metadata={
                            "kind": "dilemma",
                            "suite": suite.name,
                            "dilemma_id": d.id,
                            "variant": k,
                            "order": order,
                            "labels": list(prompt.labels),
                            "values_a": list(d.action_a.values),
                            "values_b": list(d.action_b.values),
                            "domain": d.domain,
                            "system": prompt.system,
                            "dilemma": payload,
                        },
                    )
                )
    return MemoryDataset(samples, name=f"valuelens-{suite.name}")


def outcome_pairs(n_outcomes: int, n_pairs: int, seed: int = 0) -> list[tuple[int, int]]:
    """`n_pairs` distinct unordered pairs of outcome indices, drawn once with `seed` (i < j in each)."""
    every = list(itertools.combinations(range(n_outcomes), 2))
    if n_pairs >= len(every):
        return every
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(len(every), size=n_pairs, replace=False))
    return [every[i] for i in picked]


def outcome_samples(outcomes: tuple[Outcome, ...], n_pairs: int, seed: int = 0) -> MemoryDataset:
    """A seeded set of outcome pairs, each in both orders (order 0 lists the pair's first outcome first),
    worded as `valuelens utilities` asks them (`valuelens.prompts.outcome_prompt`)."""
    samples: list[Sample] = []
    for i, j in outcome_pairs(len(outcomes), n_pairs, seed):
        a, b = outcomes[i], outcomes[j]
        for order in ORDERS:
            prompt = outcome_prompt(a, b) if order == 0 else outcome_prompt(b, a)
            samples.append(
                Sample(
                    id=f"{a.id}:{b.id}:{order}",
                    input=messages(prompt),
                    metadata={
                        "kind": "outcome",
                        "outcome_a": a.id,
                        "outcome_b": b.id,
                        "text_a": a.text,
                        "text_b": b.text,
                        "order": order,
                        "labels": list(prompt.labels),
                    },
                )
            )
    return MemoryDataset(samples, name="valuelens-outcomes")

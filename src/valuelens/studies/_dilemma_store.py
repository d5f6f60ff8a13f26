"""A dilemma run from the store: the choice table of both orders per dilemma and wording."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from valuelens.analysis import ChoiceTable
from valuelens.prompts import LABELS
from valuelens.runner import answer_kinds, p_first
from valuelens.store import RunRecord, Store
from valuelens.studies._free_run import agreement_with_logprobs, read_free_answers
from valuelens.studies._run import Run
from valuelens.suites import Dilemma


def _table(
    items: list[tuple[str, int, int, str]], answers: dict[str, Any], dilemmas: dict[str, Dilemma]
) -> ChoiceTable:
    rows: dict[tuple[str, int], list[float]] = {}
    for item_id, variant, order, key in items:
        row = rows.setdefault((item_id, variant), [math.nan, math.nan])
        if key in answers:
            pf = p_first(answers[key], LABELS)
            row[order] = pf if order == 0 else 1.0 - pf
    ids = [i for i, _ in rows]
    return ChoiceTable(
        item_ids=ids,
        variants=np.array([v for _, v in rows], dtype=int),
        values_a=[dilemmas[i].action_a.values for i in ids],
        values_b=[dilemmas[i].action_b.values for i in ids],
        p_a_first=np.array([r[0] for r in rows.values()], dtype=float),
        p_a_second=np.array([r[1] for r in rows.values()], dtype=float),
        domains=[dilemmas[i].domain for i in ids],
    )


def assemble_dilemmas(store: Store, record: RunRecord) -> Run:
    """A dilemma run as stored: its dilemmas, choice table, failures and kinds of answers."""
    items = store.run_items(record.run_id)
    dilemmas = {i: Dilemma.model_validate(p) for i, p in store.run_payloads(record.run_id).items()}
    keys = [k for *_, k in items]
    answers = store.get_ok(keys)
    failures = {k: r for k, r in store.failures(keys).items() if k not in answers}
    free = read_free_answers(store, record.spec, answers)  # free-text answers: read by rule or judge
    answers = free.answers if free else answers
    table = _table(items, answers, dilemmas)
    run = Run(record, list(dilemmas.values()), table, failures, store.path, kinds=answer_kinds(answers))
    run.answered = len(answers)
    run.free_text = free.summary() if free else None
    if free is not None:  # with a log-probability run of the same prompts in the store (`answer="both"`)
        run.answer_agreement = agreement_with_logprobs(store, record, free, _scores, 0.5, "dilemmas")
    return run


def _scores(order: int) -> list[float]:
    """P(A) that labels A and B stand for: A is listed first in order 0, second in order 1."""
    return [1.0, 0.0] if order == 0 else [0.0, 1.0]

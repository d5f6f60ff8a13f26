"""Stated values: ask the bundled survey in both scale directions, score it as the PVQ does, and
set the stated priorities against the ones the model's dilemma choices reveal (the say-do gap)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from valuelens.backends import DEFAULT_MODEL, Backend
from valuelens.errors import InputError
from valuelens.prompts import survey_jobs
from valuelens.runner import ProgressFn, Shard, in_shard, parse_shard, session
from valuelens.runner._generate import FREE_MAX_TOKENS
from valuelens.store import Store
from valuelens.studies._free_run import answer_settings, answering, ask_both, judge_connection
from valuelens.studies._survey_result import SurveyRun, assemble_items, assemble_survey, find_dilemma_run
from valuelens.suites import SurveyItem, load_survey

__all__ = ["SurveyRun", "assemble_survey", "find_dilemma_run", "load_survey_run", "survey"]


def survey(
    model: str = DEFAULT_MODEL,
    *,
    against: str | None = None,
    items: Sequence[SurveyItem] | None = None,
    seed: int = 0,
    samples: int | None = None,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
    shard: str | Shard | None = None,
    answer: str = "logprobs",
    max_tokens: int = FREE_MAX_TOKENS,
    judge: str | None = None,
    judge_base_url: str | None = None,
) -> SurveyRun:
    """Ask the survey items in both scale directions and return the stored survey run.

    Each answer is the expected rating under the label probabilities renormalised over "1".."6"
    (or the share of K parsed samples); see `valuelens.prompts._survey` for the both-orders rule.
    Answers are committed as they arrive, so an interrupted survey resumes and a rerun costs no call.

    Args:
        model: provider/model name.
        against: id (or prefix) of the dilemma run for the say-do gap; default: the most recent
            complete dilemma run in the store with the same backend fingerprint and no condition.
        items: survey items (default: the bundled 40, four per Schwartz value).
        seed: seeds the bootstrap intervals; part of the run's identity, as in `run`.
        samples: answers drawn per prompt when the backend gives no log-probabilities (default 10), or
            free-text answers (default 5).
        store, progress, backend, base_url, timeout, max_concurrency, shard: as in `valuelens.run`.
        answer, max_tokens, judge, judge_base_url: as in `valuelens.run`; free-text answers are read in
            the scale's labels ("Rating: 5", "**5**", "I'd choose 2"), the judge sees the statement and
            the six anchors. With "both" the result is the free-text survey, with the agreement of the
            two ratings per item in `answer_agreement`.

    Raises:
        InputError: bad arguments, `against` names no dilemma run, or a model that cannot generate is
            asked for free text.
        BackendError: the model cannot be created.
    """
    n_samples = answer_settings(answer, samples, max_tokens)
    if answer == "both":
        args = {k: v for k, v in locals().items() if k in _SURVEY_ARGS}
        return ask_both(survey, args, lambda st, record: assemble_items(st, record).answer_agreement, "survey")
    the_shard = parse_shard(shard)
    the_items = list(items if items is not None else load_survey())
    if not the_items:
        raise InputError("survey: no items to ask")
    connection = {"base_url": base_url, "timeout": timeout, "max_concurrency": max_concurrency}
    judging = judge_connection(model, judge or "", judge_base_url, connection)
    with (
        session(model, samples=n_samples, store=store, progress=progress, backend=backend, **connection) as s,
        answering(s, answer, max_tokens, judge, seed, judging) as how,
    ):
        keyed = [(j, how.key(s, j.prompt)) for j in survey_jobs(the_items)]
        blob = json.dumps([it.model_dump(mode="json") for it in the_items], sort_keys=True)
        spec = {
            "kind": "survey",
            "fingerprint": s.backend.fingerprint,
            "items_hash": hashlib.sha256(blob.encode()).hexdigest()[:16],
            "samples": n_samples,
            "seed": seed,
        } | how.spec()
        dilemma_run, note = find_dilemma_run(
            s.store, s.backend.fingerprint, against, s.backend.name, free=how.free is not None
        )
        items_asked = [(j.item_id, j.variant, j.order, k) for j, k in keyed]
        run_id = s.begin("survey", "survey", spec, items_asked, {it.id: it.model_dump(mode="json") for it in the_items})
        asked = in_shard(keyed, "item_id", the_shard)  # --shard I/N: this machine's share only
        how.ask(s, {k: j.prompt for j, k in asked})
        record = s.store.get_run(run_id)
        assert record is not None
        result = assemble_items(s.store, record)
        result.invocation, result.seconds = s.stats, s.seconds
        result.model_cost_usd, result.judge = s.model_cost(), s.judge_part()
        result.against, result.against_note = dilemma_run, note
        s.finish(run_id, len(result.failures), result.seconds, partial=the_shard is not None)
        return result


def load_survey_run(run_id: str, store: str | Path | None = None, against: str | None = None) -> SurveyRun:
    """A stored survey run by id (or unique prefix), set against `against` or the default dilemma run.

    Raises:
        InputError: no such survey run.
    """
    with Store(store) as st:
        record = st.get_run(run_id)
        if record is None or record.kind != "survey":
            raise InputError(f"{st.path}: survey run '{run_id}' not found (valuelens runs lists them)")
        result = assemble_items(st, record)
        free = "free_text" in record.spec
        result.against, result.against_note = find_dilemma_run(st, record.fingerprint, against, record.model, free=free)
        return result


_SURVEY_ARGS = (
    *("model", "against", "items", "seed", "samples", "store", "progress", "backend", "base_url", "timeout"),
    *("max_concurrency", "shard", "max_tokens", "judge", "judge_base_url"),
)

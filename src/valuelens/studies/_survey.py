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
from valuelens.runner import SAMPLES_PER_ORDER, ProgressFn, session
from valuelens.store import Store
from valuelens.studies._survey_result import SurveyRun, assemble_items, assemble_survey, find_dilemma_run
from valuelens.suites import SurveyItem, load_survey

__all__ = ["SurveyRun", "assemble_survey", "find_dilemma_run", "load_survey_run", "survey"]


def survey(
    model: str = DEFAULT_MODEL,
    *,
    against: str | None = None,
    items: Sequence[SurveyItem] | None = None,
    seed: int = 0,
    samples: int = SAMPLES_PER_ORDER,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
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
        samples: answers drawn per prompt when the backend gives no log-probabilities.
        store, progress, backend, base_url, timeout, max_concurrency: as in `valuelens.run`.

    Raises:
        InputError: bad arguments, or `against` names no dilemma run.
        BackendError: the model cannot be created.
    """
    the_items = list(items if items is not None else load_survey())
    if not the_items:
        raise InputError("survey: no items to ask")
    connection = {"base_url": base_url, "timeout": timeout, "max_concurrency": max_concurrency}
    with session(model, samples=samples, store=store, progress=progress, backend=backend, **connection) as s:
        keyed = [(j, s.key(j.prompt)) for j in survey_jobs(the_items)]
        blob = json.dumps([it.model_dump(mode="json") for it in the_items], sort_keys=True)
        spec = {
            "kind": "survey",
            "fingerprint": s.backend.fingerprint,
            "items_hash": hashlib.sha256(blob.encode()).hexdigest()[:16],
            "samples": samples,
            "seed": seed,
        }
        dilemma_run, note = find_dilemma_run(s.store, s.backend.fingerprint, against, s.backend.name)
        items_asked = [(j.item_id, j.variant, j.order, k) for j, k in keyed]
        run_id = s.begin("survey", "survey", spec, items_asked, {it.id: it.model_dump(mode="json") for it in the_items})
        s.ask({k: j.prompt for j, k in keyed})
        record = s.store.get_run(run_id)
        assert record is not None
        result = assemble_items(s.store, record)
        result.invocation, result.seconds = s.stats, s.seconds
        result.against, result.against_note = dilemma_run, note
        s.finish(run_id, len(result.failures), result.seconds)
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
        result.against, result.against_note = find_dilemma_run(st, record.fingerprint, against, record.model)
        return result

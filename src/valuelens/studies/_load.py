"""Stored runs by id: the one place that turns a run's kind into its result type."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from valuelens.errors import InputError
from valuelens.store import RunRecord, Store
from valuelens.studies._dilemma_store import assemble_dilemmas
from valuelens.studies._run import Run
from valuelens.studies._survey import SurveyRun, assemble_survey
from valuelens.studies.utilities import UtilitiesRun
from valuelens.studies.utilities._result import assemble as assemble_utilities

StoredRun = Run | SurveyRun | UtilitiesRun
"""Every kind of run the store holds (each has run_id, kind, summary(), report_data() and frames())."""

ASSEMBLERS: dict[str, Callable[[Store, RunRecord], Any]] = {
    "dilemmas": assemble_dilemmas,
    "survey": assemble_survey,
    "utilities": assemble_utilities,
}


def stored_record(st: Store, run_id: str, kind: str | None = None) -> RunRecord:
    """The run's row by id or unique prefix, of `kind` when given.

    Raises:
        InputError: no such run, or a run of another kind.
    """
    record = st.get_run(run_id)
    if record is None:
        raise InputError(f"{st.path}: run '{run_id}' not found (valuelens runs lists them)")
    if kind is not None and record.kind != kind:
        raise InputError(f"{st.path}: run '{record.run_id}' is a {record.kind} run, not a {kind} run")
    return record


def assemble_run(st: Store, record: RunRecord) -> StoredRun:
    """The result object of a stored run, by its kind (no model calls).

    Raises:
        InputError: a kind this version of valuelens does not know.
    """
    assemble = ASSEMBLERS.get(record.kind)
    if assemble is None:
        raise InputError(f"{st.path}: run '{record.run_id}' is of kind '{record.kind}', unknown to this valuelens")
    return assemble(st, record)


def load_run(run_id: str, store: str | Path | None = None) -> StoredRun:
    """A stored run by id (or unique id prefix): a `Run` (dilemmas), `SurveyRun` or `UtilitiesRun`.

    Raises:
        InputError: no such run in the store.
    """
    with Store(store) as st:
        return assemble_run(st, stored_record(st, run_id))


def list_runs(store: str | Path | None = None) -> list[dict[str, Any]]:
    """The runs in the store, newest first: run_id, kind, model, suite, status, calls, failed."""
    with Store(store) as st:
        records = st.list_runs()
    return [
        {
            "run_id": r.run_id,
            "kind": r.kind,
            "model": r.model,
            "suite": r.suite,
            "status": r.status,
            "calls": r.stats.get("model_calls", 0),
            "failed": r.stats.get("failed", 0),
        }
        for r in records
    ]

"""The public Python API: run a suite on a model, load a stored run, analyse it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from valuelens import __version__
from valuelens._engine import SAMPLES_PER_ORDER, ExecStats, ProgressFn, answer_kinds, execute, p_first, prompt_key
from valuelens.analysis import ChoiceTable
from valuelens.analysis._scores import N_BOOT, Estimate, ValueScore, position_bias, value_scores
from valuelens.backends import DEFAULT_MODEL, Backend, get_backend
from valuelens.errors import InputError
from valuelens.prompts import LABELS, Condition, dilemma_jobs
from valuelens.store import RunRecord, Store, status_fields
from valuelens.suites import Dilemma, Suite, load_suite

if TYPE_CHECKING:
    from valuelens._utilities_run import UtilitiesRun


@dataclass
class Run:
    """A run as stored: what was asked, what the model chose, and what this invocation cost.

    Attributes:
        record: the run's row in the store (id, model, suite, spec, stats).
        dilemmas: the dilemmas of the run, as asked.
        table: the choice table (both orders per dilemma and wording).
        failures: prompt key -> reason, for prompts without an answer.
        invocation: calls and tokens of the invocation that produced this object (None when loaded).
        kinds: counts of answers of special kinds (bounded log-probabilities, refusals, unparsed samples).
        cost_usd: estimated cost of the invocation, None when the model's price is unknown.
    """

    record: RunRecord
    dilemmas: list[Dilemma]
    table: ChoiceTable
    failures: dict[str, str]
    store_path: Path
    invocation: ExecStats | None = None
    seconds: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    answered: int | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def seed(self) -> int:
        return int(self.record.spec.get("seed", 0))

    def position_bias(self, n_boot: int = N_BOOT) -> Estimate:
        """Mean P(first-listed option) - 0.5, with a bootstrap interval over dilemmas."""
        return position_bias(self.table.originals(), n_boot=n_boot, seed=self.seed)

    def value_scores(self, theory: str | None = None, n_boot: int = N_BOOT) -> list[ValueScore]:
        """DailyDilemmas score per value (or per dimension of `theory`), most chosen first."""
        key = f"scores:{theory}:{n_boot}"
        if key not in self._cache:
            membership = None
            if theory is not None:
                from valuelens.lexicon import load_lexicon

                membership = load_lexicon().membership(theory)
            self._cache[key] = value_scores(self.table.originals(), membership, n_boot=n_boot, seed=self.seed)
        return self._cache[key]

    def profile(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """Scores and utilities per value and theory, moral graph, consistency and reliability (cached)."""
        key = f"profile:{n_boot}"
        if key not in self._cache:
            from valuelens._profile import profile

            self._cache[key] = profile(self.table, seed=self.seed, n_boot=n_boot)
        return self._cache[key]

    def summary(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """The run as one JSON-ready object (what `valuelens run --json` prints)."""
        inv = self.invocation or ExecStats()
        pb = self.position_bias(n_boot)
        prof = self.profile(n_boot)
        return {
            "run_id": self.run_id,
            "model": self.record.model,
            "suite": self.record.suite,
            "condition": self.record.spec.get("condition", {}),
            "items": len(self.dilemmas),
            "prompts": len(self.table) * 2,
            "model_calls": inv.model_calls,
            "cached_calls": inv.cached_calls,
            "tokens_prompt": inv.tokens_prompt,
            "tokens_evaluated": inv.tokens_evaluated,
            "tokens_completion": inv.tokens_completion,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "seconds": round(self.seconds, 3),
            "failed": len(self.failures),
            **status_fields(self.answered, len(self.table) * 2),
            **{k: self.kinds.get(k, 0) for k in ("bounded", "refused", "refused_samples", "unparsed_samples")},
            "position_bias": {"value": pb.value, "ci_low": pb.ci_low, "ci_high": pb.ci_high, "n": pb.n},
            "values": prof["values"],
            **{k: prof[k] for k in ("theories", "consistency", "reliability", "moral_graph", "utility_fit")},
            "store": str(self.store_path),
            "seed": self.seed,
            "valuelens_version": __version__,
        } | self._stored_costs()

    def _stored_costs(self) -> dict[str, Any]:
        """For a run loaded from the store: what it took, summed over the invocations that finished."""
        if self.invocation is not None:
            return {}
        keys = ("model_calls", "cached_calls", "tokens_prompt", "tokens_evaluated", "seconds")
        return {k: self.record.stats[k] for k in keys if k in self.record.stats}

    def report_data(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """What the HTML report shows: the summary plus kind, date, settings, theory lenses and every choice."""
        from valuelens.report._export import choice_rows

        data = self.summary(n_boot)
        data.setdefault("kind", self.record.kind)
        data["created"] = self.record.created
        spec = self.record.spec
        data["settings"] = {k: spec[k] for k in ("samples", "paraphrases", "limit", "seed") if k in spec}
        data["dilemmas"] = choice_rows(self.dilemmas, self.table)
        return data

    def choices_df(self) -> Any:
        """One row per dilemma and wording: item_id, variant, domain, texts, values, p_a_first, p_a_second, p_a.

        Returns a pandas DataFrame; values and parties are joined with '; '.
        """
        from valuelens.report._export import choice_rows, choices_frame

        return choices_frame(choice_rows(self.dilemmas, self.table))

    def values_df(self, n_boot: int = N_BOOT) -> Any:
        """The summary's `values` entries (value, score, ci_low, ci_high, n, ...) as a pandas DataFrame."""
        from valuelens.report._export import values_frame

        return values_frame(self.summary(n_boot)["values"])


def _run_id(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


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


def _assemble(store: Store, record: RunRecord) -> Run:
    items = store.run_items(record.run_id)
    dilemmas = {i: Dilemma.model_validate(p) for i, p in store.run_payloads(record.run_id).items()}
    keys = [k for *_, k in items]
    answers = store.get_ok(keys)
    failures = {k: r for k, r in store.failures(keys).items() if k not in answers}
    table = _table(items, answers, dilemmas)
    run = Run(record, list(dilemmas.values()), table, failures, store.path, kinds=answer_kinds(answers))
    run.answered = len(answers)
    return run


def run(
    model: str = DEFAULT_MODEL,
    suite: str | Suite = "core",
    *,
    limit: int | None = None,
    seed: int = 0,
    system_prompt: str | None = None,
    persona: str | None = None,
    principle: str | None = None,
    paraphrases: bool = False,
    samples: int = SAMPLES_PER_ORDER,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
) -> Run:
    """Ask every dilemma of a suite in both option orders and return the stored run.

    Args:
        model: provider/model name, e.g. "llamacpp/gemma-3-270m" or "synthetic/default".
        suite: bundled suite name, path to a JSONL/CSV file, or a loaded Suite.
        limit: only the first `limit` dilemmas.
        seed: seed of every random choice in the analysis (bootstrap); the same seed gives the same output.
        system_prompt, persona, principle: texts that condition the prompt (part of the run's identity).
        paraphrases: also ask every paraphrase of each dilemma (for consistency measures).
        samples: answers to draw per prompt when the backend gives no log-probabilities.
        store: SQLite path (default: $VALUELENS_STORE or ./.valuelens/store.sqlite).
        progress: called with (done, total) prompts as answers arrive.
        backend: an already created backend to use instead of creating one from `model`.
        base_url: server URL(s) for remote models (openai/..., anthropic/...); several share the load.
        timeout: seconds per request for remote models.
        max_concurrency: most requests in flight at once (remote models adapt below it).

    Raises:
        InputError: bad suite or arguments (raised before any model call or store write).
        BackendError: the model cannot be created.
    """
    started = time.perf_counter()
    the_suite = suite if isinstance(suite, Suite) else load_suite(suite)
    if limit is not None and limit < 1:
        raise InputError(f"--limit: must be at least 1, got {limit}")
    dilemmas = list(the_suite.dilemmas[:limit] if limit else the_suite.dilemmas)
    condition = Condition(system_prompt=system_prompt, persona=persona, principle=principle)
    own_backend = backend is None
    if max_concurrency is not None and max_concurrency < 1:
        raise InputError(f"--max-concurrency: must be at least 1, got {max_concurrency}")
    if timeout is not None and timeout <= 0:
        raise InputError(f"--timeout: must be positive, got {timeout}")
    urls = [base_url] if isinstance(base_url, str) else list(base_url or [])
    be = backend or get_backend(model, base_urls=urls, timeout=timeout, max_concurrency=max_concurrency)
    try:
        jobs = dilemma_jobs(dilemmas, condition, paraphrases=paraphrases)
        keyed = [(j, prompt_key(be, j.prompt, samples)) for j in jobs]
        spec = {
            "kind": "dilemmas",
            "fingerprint": be.fingerprint,
            "suite_hash": the_suite.content_hash,
            "limit": limit,
            "condition": condition.to_dict(),
            "paraphrases": paraphrases,
            "samples": samples,
            "seed": seed,
        }
        run_id = _run_id(spec)
        with Store(store) as st:
            st.begin_run(
                run_id,
                "dilemmas",
                be.name,
                be.fingerprint,
                the_suite.name,
                spec,
                [(j.item_id, j.variant, j.order, k) for j, k in keyed],
                {d.id: d.model_dump(mode="json") for d in dilemmas},
            )
            concurrency = max_concurrency if backend is not None else None  # else the backend knows its cap
            stats = asyncio.run(execute(be, st, {k: j.prompt for j, k in keyed}, samples, progress, concurrency))
            record = st.get_run(run_id)
            assert record is not None
            result = _assemble(st, record)
            result.invocation = stats
            result.seconds = time.perf_counter() - started
            result.cost_usd = stats.cost_usd(be)
            st.finish_run(
                run_id,
                "complete" if not result.failures else "incomplete",
                stats.run_stats(result.seconds, len(result.failures), result.cost_usd),
            )
            return result
    finally:
        if own_backend:
            be.close()


def load_run(run_id: str, store: str | Path | None = None) -> Run | UtilitiesRun:
    """A stored run by id (or unique id prefix); a run of kind "utilities" comes back as a `UtilitiesRun`.

    Raises:
        InputError: no such run in the store.
    """
    with Store(store) as st:
        record = st.get_run(run_id)
        if record is None:
            raise InputError(f"{st.path}: run '{run_id}' not found (valuelens runs lists them)")
        if record.kind == "utilities":
            from valuelens._utilities_run._result import assemble as assemble_utilities

            return assemble_utilities(st, record)
        if record.kind == "survey":
            from valuelens._survey_run import load_survey_run

            return load_survey_run(record.run_id, st.path)  # type: ignore[return-value]
        return _assemble(st, record)

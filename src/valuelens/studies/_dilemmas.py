"""Run a dilemma suite on a model: every dilemma in both option orders, through one session."""

from __future__ import annotations

from pathlib import Path

from valuelens.backends import DEFAULT_MODEL, Backend
from valuelens.errors import InputError
from valuelens.prompts import dilemma_jobs
from valuelens.runner import SAMPLES_PER_ORDER, ProgressFn, session
from valuelens.studies._conditions import condition
from valuelens.studies._dilemma_store import assemble_dilemmas
from valuelens.studies._run import Run
from valuelens.suites import Principle, Suite, load_suite


def run(
    model: str = DEFAULT_MODEL,
    suite: str | Suite = "core",
    *,
    limit: int | None = None,
    seed: int = 0,
    system_prompt: str | None = None,
    persona: str | None = None,
    principle: str | Principle | None = None,
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
        system_prompt: TEXT or @FILE put before the question (part of the run's identity, as are the next two).
        persona: bundled persona name (e.g. "japan") or a one-line persona text.
        principle: bundled principle name, @FILE, a Principle, or a principle text of several words.
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
    the_suite = suite if isinstance(suite, Suite) else load_suite(suite)
    if limit is not None and limit < 1:
        raise InputError(f"--limit: must be at least 1, got {limit}")
    dilemmas = list(the_suite.dilemmas[:limit] if limit else the_suite.dilemmas)
    cond = condition(system_prompt, persona, principle)
    connection = {"base_url": base_url, "timeout": timeout, "max_concurrency": max_concurrency}
    with session(model, samples=samples, store=store, progress=progress, backend=backend, **connection) as s:
        jobs = dilemma_jobs(dilemmas, cond, paraphrases=paraphrases)
        keyed = [(j, s.key(j.prompt)) for j in jobs]
        spec = {
            "kind": "dilemmas",
            "fingerprint": s.backend.fingerprint,
            "suite_hash": the_suite.content_hash,
            "limit": limit,
            "condition": cond.to_dict(),
            "paraphrases": paraphrases,
            "samples": samples,
            "seed": seed,
        }
        items = [(j.item_id, j.variant, j.order, k) for j, k in keyed]
        run_id = s.begin("dilemmas", the_suite.name, spec, items, {d.id: d.model_dump(mode="json") for d in dilemmas})
        s.ask({k: j.prompt for j, k in keyed})
        record = s.store.get_run(run_id)
        assert record is not None
        result = assemble_dilemmas(s.store, record)
        result.invocation, result.seconds = s.stats, s.seconds
        result.cost_usd = s.stats.cost_usd(s.backend)
        s.finish(run_id, len(result.failures), result.seconds)
        return result

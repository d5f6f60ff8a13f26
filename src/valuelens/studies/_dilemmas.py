"""Run a dilemma suite on a model: every dilemma in both option orders, through one session."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from valuelens.backends import DEFAULT_MODEL, Backend
from valuelens.errors import InputError
from valuelens.lexicon import TheoryMap, load_theory_map
from valuelens.prompts import dilemma_jobs
from valuelens.runner import ProgressFn, Shard, in_shard, parse_shard, session
from valuelens.runner._generate import FREE_MAX_TOKENS
from valuelens.studies._conditions import condition
from valuelens.studies._dd_protocol import check_protocol, dailydilemmas_protocol
from valuelens.studies._dilemma_store import assemble_dilemmas
from valuelens.studies._free_run import answer_settings, answering, ask_both, judge_connection
from valuelens.studies._run import Run
from valuelens.suites import Principle, Suite, load_suite


def theory_map(lexicon: str | TheoryMap | None, suite: Suite) -> TheoryMap | None:
    """The lexicon a run's lenses use: as given, else DailyDilemmas' values.csv beside a DailyDilemmas CSV.

    Raises:
        InputError: a lexicon file that cannot be read.
    """
    if isinstance(lexicon, TheoryMap):
        return lexicon
    if lexicon is not None and lexicon != "valuelens":
        return load_theory_map(lexicon)
    beside = Path(suite.source.removeprefix("dailydilemmas:")).with_name("values.csv")
    if lexicon is None and suite.source.startswith("dailydilemmas:") and beside.is_file():
        return load_theory_map(f"dailydilemmas:{beside}")
    return None


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
    samples: int | None = None,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
    lexicon: str | TheoryMap | None = None,
    protocol: str = "valuelens",
    shard: str | Shard | None = None,
    answer: str = "logprobs",
    max_tokens: int = FREE_MAX_TOKENS,
    judge: str | None = None,
    judge_base_url: str | None = None,
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
        samples: answers to draw per prompt: when the backend gives no log-probabilities (default 10),
            or free-text answers (default 5).
        store: SQLite path (default: $VALUELENS_STORE or ./.valuelens/store.sqlite).
        progress: called with (done, total) prompts as answers arrive.
        backend: an already created backend to use instead of creating one from `model`.
        base_url: server URL(s) for remote models (openai/..., anthropic/...); several share the load.
        timeout: seconds per request for remote models.
        max_concurrency: most requests in flight at once (remote models adapt below it).
        lexicon: theory placement for the lenses: "dailydilemmas:PATH/values.csv" (the paper's mapping of
            its values onto five theories) or a TheoryMap; default the bundled lexicon, or, for a
            DailyDilemmas CSV suite, the values.csv beside it when there is one. Analysis only.
        protocol: "dailydilemmas" also asks every dilemma the paper's way (one order, greedy) in the same
            session and sets `Run.protocol` (summary key `dailydilemmas_protocol`); default "valuelens".
        shard: "I/N": ask only shard I of N of the prompts (by item id; see `valuelens.store.merge_stores`).
        answer: "logprobs" (the choice's log-probabilities, else short samples), "free" (answers in the
            model's own words, reasoning allowed, read by rule then `judge`), or "both" (a log-probability
            run and a free-text run on the same prompts; the result is the free-text run, with their
            agreement in `answer_agreement`).
        max_tokens: longest free-text answer, reasoning included.
        judge: the model that reads free-text answers the rule cannot (any provider that generates).
        judge_base_url: the judge's server (default: `base_url` when the judge has the model's provider).

    Raises:
        InputError: bad suite or arguments, or a model that cannot generate asked for free text
            (raised before any model call or store write).
        BackendError: the model cannot be created.
    """
    n_samples = answer_settings(answer, samples, max_tokens)
    if answer == "both":  # two runs on the same prompts; the free-text one carries their agreement
        args = {k: v for k, v in locals().items() if k in _RUN_ARGS}
        return ask_both(run, args, lambda st, record: assemble_dilemmas(st, record).answer_agreement, "dilemmas")
    check_protocol(protocol)
    the_shard = parse_shard(shard)
    the_suite = suite if isinstance(suite, Suite) else load_suite(suite)
    mapping = theory_map(lexicon, the_suite)
    if limit is not None and limit < 1:
        raise InputError(f"--limit: must be at least 1, got {limit}")
    dilemmas = list(the_suite.dilemmas[:limit] if limit else the_suite.dilemmas)
    cond = condition(system_prompt, persona, principle)
    connection = {"base_url": base_url, "timeout": timeout, "max_concurrency": max_concurrency}
    judging = judge_connection(model, judge or "", judge_base_url, connection)
    with (
        session(model, samples=n_samples, store=store, progress=progress, backend=backend, **connection) as s,
        answering(s, answer, max_tokens, judge, seed, judging) as how,
    ):
        jobs = dilemma_jobs(dilemmas, cond, paraphrases=paraphrases)
        keyed = [(j, how.key(s, j.prompt)) for j in jobs]
        spec = {
            "kind": "dilemmas",
            "fingerprint": s.backend.fingerprint,
            "suite_hash": the_suite.content_hash,
            "limit": limit,
            "condition": cond.to_dict(),
            "paraphrases": paraphrases,
            "samples": n_samples,
            "seed": seed,
        } | how.spec()
        items = [(j.item_id, j.variant, j.order, k) for j, k in keyed]
        run_id = s.begin("dilemmas", the_suite.name, spec, items, {d.id: d.model_dump(mode="json") for d in dilemmas})
        asked = in_shard(keyed, "item_id", the_shard)  # --shard I/N: this machine's share only
        how.ask(s, {k: j.prompt for j, k in asked})
        record = s.store.get_run(run_id)
        assert record is not None
        result = assemble_dilemmas(s.store, record)
        result.invocation, result.seconds = s.stats, s.seconds
        result.cost_usd, result.prices_date = s.cost_usd(), s.prices_date()
        result.model_cost_usd, result.judge = s.model_cost(), s.judge_part()
        result.lexicon = mapping
        s.finish(run_id, len(result.failures), result.seconds, partial=the_shard is not None)
        if protocol == "dailydilemmas":
            result.invocation = dataclasses.replace(s.stats, failures=dict(s.stats.failures))  # the run's own calls
            result.protocol = dailydilemmas_protocol(result, s)
        return result


_RUN_ARGS = (
    *("model", "suite", "limit", "seed", "system_prompt", "persona", "principle", "paraphrases", "samples"),
    *("store", "progress", "backend", "base_url", "timeout", "max_concurrency", "max_tokens", "judge"),
    *("judge_base_url", "lexicon", "protocol", "shard"),
)

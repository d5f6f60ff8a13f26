"""Eliciting preferences over outcomes: active pair selection in rounds through the store, then held-out pairs;
or a fixed design (pairs from the seed and the outcomes alone) asked at once, or one `--shard` of it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from valuelens.analysis import ActivePairSelector, random_pairs
from valuelens.analysis._fixed_design import fixed_pairs
from valuelens.backends import DEFAULT_MODEL, Backend
from valuelens.errors import InputError
from valuelens.prompts import PAIR_SEPARATOR, outcome_jobs, read_text_arg
from valuelens.runner import (
    SAMPLES_PER_ORDER,
    PlanCollector,
    ProgressFn,
    Shard,
    check_connection,
    in_shard,
    parse_shard,
    session,
)
from valuelens.store import Store
from valuelens.studies.utilities._labels import HELDOUT, TRAINING, pair_labels
from valuelens.studies.utilities._result import UtilitiesRun, assemble
from valuelens.suites import Outcome, load_outcomes

HOLDOUT = 0.1
ACTIVE, FIXED = "active", "fixed"
DESIGNS = (ACTIVE, FIXED)


def check_design(design: str, shard: str | Shard | None) -> Shard | None:
    """The shard to ask (None: all) for a pair design.

    Raises:
        InputError: an unknown design; a shard of the active design, whose pairs depend on earlier answers.
    """
    if design not in DESIGNS:
        raise InputError(f"--design: expected active or fixed, got '{design}'")
    the_shard = parse_shard(shard)
    if the_shard is not None and design == ACTIVE:
        raise InputError(
            "--shard: the active design chooses each round's pairs from earlier answers, so it cannot be "
            "split over machines; use --design fixed (pairs fixed by the seed and the outcomes alone)"
        )
    return the_shard


def _outcome_list(outcomes: str | Sequence[Outcome], limit: int | None) -> tuple[str, list[Outcome]]:
    """(name, outcomes) from a bundled name, a file, or Outcome objects; checks what pairs need."""
    if isinstance(outcomes, str):
        name, found = outcomes, list(load_outcomes(outcomes))
    else:
        name, found = "custom", list(outcomes)
    if limit is not None:
        if limit < 2:
            raise InputError(f"--limit: must be at least 2 outcomes, got {limit}")
        found = found[:limit]
    if len(found) < 2:
        raise InputError(f"{name}: a utilities run needs at least 2 outcomes, got {len(found)}")
    seen: set[str] = set()
    for o in found:
        if PAIR_SEPARATOR in o.id:
            raise InputError(f"{name}: id: outcome id '{o.id}' contains '{PAIR_SEPARATOR}'")
        if o.id in seen:
            raise InputError(f"{name}: id: duplicate outcome id '{o.id}'")
        seen.add(o.id)
    return name, found


def heldout_pairs(n_items: int, k: int, exclude: set[tuple[int, int]], seed: int) -> np.ndarray:
    """`k` uniformly random unordered pairs of `n_items` items outside `exclude` ({(low, high)}), (k,2).

    Fewer when fewer remain. Draws k + |exclude| distinct pairs in a seeded random order and keeps the
    first k not excluded, so the result depends only on the arguments.
    """
    total = n_items * (n_items - 1) // 2
    k = min(k, total - len(exclude))
    if k <= 0:
        return np.empty((0, 2), dtype=np.int64)
    drawn = random_pairs(n_items, min(total, k + len(exclude)), seed=seed)
    keep = [row for row in drawn.tolist() if (min(row), max(row)) not in exclude]
    return np.array(keep[:k], dtype=np.int64).reshape(-1, 2)


def fit_utilities(
    model: str = DEFAULT_MODEL,
    outcomes: str | Sequence[Outcome] = "core",
    *,
    budget: int | None = None,
    seed: int = 0,
    samples: int = SAMPLES_PER_ORDER,
    holdout: float = HOLDOUT,
    limit: int | None = None,
    system_prompt: str | None = None,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
    design: str = ACTIVE,
    shard: str | Shard | None = None,
) -> UtilitiesRun:
    """Elicit the model's preferences over outcomes and fit a Thurstonian utility to each outcome.

    Pairs are chosen in rounds by `ActivePairSelector` (a random matching, then the pairs whose answers
    shrink the expected squared rank error most), each pair asked in both orders, the fit refitted
    between rounds, until `budget` comparisons or a stable ranking. Then a random set of other pairs
    is asked and held out of the fit, to measure coherence. Every answer is stored as it arrives: the
    same call again makes no model call, and a killed run resumes where it stopped.

    Args:
        model: provider/model name, e.g. "llamacpp/gemma-3-270m" or "synthetic/default".
        outcomes: "core" (bundled), an outcome file (JSON {category: [text, ...]} or JSONL records),
            or Outcome objects.
        budget: training comparisons (pairs; each costs two prompts); default ceil(2 N log2 N).
        seed: seed of pair selection, the held-out draw and every interval.
        samples: answers drawn per prompt when the backend gives no log-probabilities.
        holdout: held-out pairs as a share of the budget (about holdout * budget extra pairs); 0 for none.
        limit: only the first `limit` outcomes.
        system_prompt: system prompt for every question (part of the run's identity).
        store: SQLite path (default: $VALUELENS_STORE or ./.valuelens/store.sqlite).
        progress: called with (done, planned) prompts as answers arrive.
        backend: an already created backend to use instead of creating one from `model`.
        base_url, timeout, max_concurrency: as for `valuelens.run` (remote models).
        design: "active" (rounds chosen from the answers so far) or "fixed" (every pair fixed in advance by
            the seed and the outcomes: seeded random perfect matchings up to the budget, then the held-out
            pairs; asked at once, so it can be split with `shard` or planned whole by a dry run).
        shard: "I/N": with the fixed design, ask only the pairs whose id falls in shard I of N (both orders
            together); the shard is not part of the run's identity (merge the stores afterwards).

    Raises:
        InputError: bad outcomes or arguments, a shard of the active design (raised before any model call
            or store write).
        BackendError: the model cannot be created.
    """
    if budget is not None and budget < 1:
        raise InputError(f"--budget: must be at least 1 comparison, got {budget}")
    if samples < 1:
        raise InputError(f"--samples: must be at least 1, got {samples}")
    if not 0.0 <= holdout < 1.0:
        raise InputError(f"--holdout: must lie in [0, 1), got {holdout}")
    check_connection(timeout, max_concurrency)
    the_shard = check_design(design, shard)
    system_prompt = read_text_arg(system_prompt, "system prompt")
    name, outs = _outcome_list(outcomes, limit)
    n = len(outs)
    selector = ActivePairSelector(n, budget=budget, seed=seed)
    n_heldout = min(round(holdout * selector.budget), n * (n - 1) // 2 - selector.budget)
    connection = {"base_url": base_url, "timeout": timeout, "max_concurrency": max_concurrency}
    with session(model, samples=samples, store=store, backend=backend, **connection) as s:
        payloads = {o.id: o.model_dump(mode="json") for o in outs}
        spec = {
            "kind": "utilities",
            "fingerprint": s.backend.fingerprint,
            "outcomes": name,
            "outcomes_hash": hashlib.sha256(json.dumps(list(payloads.values())).encode()).hexdigest()[:16],
            "limit": limit,
            "budget": selector.budget,
            "holdout": holdout,
            "samples": samples,
            "seed": seed,
            "system_prompt": system_prompt,
            "method": "active-thurstonian-v3",
        }
        if design == FIXED:  # part of the run's identity (the shard is not)
            spec |= {"design": FIXED, "method": "fixed-thurstonian-v1"}
        run_id = s.begin("utilities", name, spec, [], payloads)
        index = {o.id: i for i, o in enumerate(outs)}
        planned = 2 * (selector.budget + n_heldout)

        def ask(pairs: np.ndarray, variant: int) -> tuple[np.ndarray, np.ndarray]:
            """Ask both orders of `pairs`; return their soft labels and votes (NaN / 0 where unanswered)."""
            jobs = outcome_jobs([(outs[a], outs[b]) for a, b in pairs.tolist()], variant, system_prompt)
            keyed = [(j, s.key(j.prompt)) for j in jobs]
            items = [(j.item_id, j.variant, j.order, k) for j, k in keyed]
            s.begin("utilities", name, spec, items, {})
            offset = s.stats.model_calls + s.stats.cached_calls

            def step(done: int, _total: int) -> None:
                if progress:
                    progress(offset + done, max(planned, offset + len(keyed)))

            s.ask({k: j.prompt for j, k in keyed}, step)
            labels = pair_labels(items, s.store.get_ok(k for _, k in keyed), index)
            return labels.p, labels.weights

        held_seed = int(np.random.SeedSequence([seed, HELDOUT]).generate_state(1)[0])
        if design == FIXED:  # every pair known before any answer: asked at once, or this shard's share
            train = fixed_pairs(n, selector.budget, seed)
            held = heldout_pairs(n, n_heldout, {(min(a, b), max(a, b)) for a, b in train.tolist()}, held_seed)
            jobs = [
                *outcome_jobs([(outs[a], outs[b]) for a, b in train.tolist()], TRAINING, system_prompt),
                *outcome_jobs([(outs[a], outs[b]) for a, b in held.tolist()], HELDOUT, system_prompt),
            ]
            keyed = [(j, s.key(j.prompt)) for j in jobs]
            s.begin("utilities", name, spec, [(j.item_id, j.variant, j.order, k) for j, k in keyed], {})
            mine = {k: j.prompt for j, k in in_shard(keyed, "item_id", the_shard)}
            s.ask(mine, progress)
        else:
            answered = 0
            plans = PlanCollector("utilities")  # a dry run plans the first round: later ones depend on its answers
            with plans.run(f"active design, first round only: up to {planned} prompts in all"):
                while not selector.done:
                    plan = selector.next_pairs()
                    if len(plan) == 0:
                        break
                    p, w = ask(plan, TRAINING)
                    # a pair with no answer in either order is observed with weight 0: no influence on the fit
                    selector.observe(plan, np.where(np.isfinite(p), p, 0.5), np.where(np.isfinite(p), w, 0.0))
                    answered += int(np.isfinite(p).sum())
                    if not answered:  # a whole round without one answer (model down?): stop, report the failures
                        break
            plans.done()
            trained = {(min(a, b), max(a, b)) for a, b in selector.pairs_.tolist()}
            for item_id, variant, _, _ in s.store.run_items(run_id):  # also pairs of an earlier, diverged attempt
                if variant == TRAINING:
                    a, b = (index[o] for o in item_id.split(PAIR_SEPARATOR))
                    trained.add((min(a, b), max(a, b)))
            held = heldout_pairs(n, n_heldout, trained, held_seed)
            if len(held) and answered:
                ask(held, HELDOUT)
        record = s.store.get_run(run_id)
        assert record is not None
        result = assemble(s.store, record)
        result.invocation, result.seconds = s.stats, s.seconds
        result.cost_usd, result.prices_date = s.stats.cost_usd(s.backend), s.prices_date()
        if the_shard is not None:  # the other shards' prompts are not asked here: left out, not failed
            got = s.store.get_ok(mine)
            result.unanswered = sum(1 for k in mine if k not in got and k not in result.failures)
        s.finish(run_id, len(result.failures) + result.unanswered, result.seconds, partial=the_shard is not None)
        result.record = s.store.get_run(run_id) or record
        return result


def load_utilities_run(run_id: str, store: str | Path | None = None) -> UtilitiesRun:
    """A stored utilities run by id (or unique id prefix), fitted afresh from its stored answers.

    Raises:
        InputError: no such run, or the run is not a utilities run.
    """
    with Store(store) as st:
        record = st.get_run(run_id)
        if record is None:
            raise InputError(f"{st.path}: run '{run_id}' not found (valuelens runs lists them)")
        if record.kind != "utilities":
            raise InputError(f"{st.path}: run '{record.run_id}' is a {record.kind} run, not a utilities run")
        return assemble(st, record)

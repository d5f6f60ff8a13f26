"""`valuelens run --protocol dailydilemmas`: the paper's one-order greedy protocol on the dilemmas of a
run, set beside that run's both-orders result (scores per value and per theory dimension)."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import numpy as np

from valuelens._api import Run
from valuelens._engine import SAMPLES_PER_ORDER, ProgressFn, execute, p_first, prompt_key
from valuelens._profile import THEORIES
from valuelens.analysis import ChoiceTable, action_one_share, protocol_scores
from valuelens.backends import get_backend
from valuelens.lexicon import load_lexicon
from valuelens.prompts import PROTOCOL_LABELS, Condition, protocol_prompt
from valuelens.store import Store
from valuelens.suites import map_value

PROTOCOLS = ("valuelens", "dailydilemmas")
METHOD = (
    "DailyDilemmas protocol: each dilemma asked once, 'to do' (action A) listed first as Action 1, the more "
    "probable of the two answers taken (greedy; without log-probabilities the majority of the samples); "
    "score = 100 (S - N) / (S + N) over chosen (S) and passed-over (N) actions carrying a value or dimension. "
    "valuelens: both orders, soft choices averaged over the orders, the same score formula."
)


def _memberships(run: Run) -> dict[str, dict[str, list[str]]]:
    lex = load_lexicon()
    out = {}
    for tid in THEORIES:
        if run.lexicon is not None and tid in run.lexicon.theories:
            out[tid] = run.lexicon.membership(tid, lambda name: map_value(name, lex))
        else:
            out[tid] = lex.membership(tid)
    return out


def dailydilemmas_protocol(
    run: Run,
    *,
    samples: int = SAMPLES_PER_ORDER,
    n_boot: int = 2000,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Ask the run's dilemmas the paper's way (one order, greedy) and compare with the run's result.

    The answers are cached in the run's store like any other, so asking again costs nothing.

    Returns:
        A JSON-ready block: method, lexicon, n, the share of Action 1 ("to do") answers under the paper's
        protocol and P(to do) under valuelens's both orders (their gap is what listing "to do" first
        adds), valuelens's position bias, and per value and per theory dimension both scores.

    Raises:
        BackendError: the model cannot be created.
    """
    spec = run.record.spec.get("condition", {})
    condition = Condition(**{k: spec.get(k) for k in ("system_prompt", "persona", "principle")})
    prompts = {d.id: protocol_prompt(d, condition) for d in run.dilemmas}
    urls = [base_url] if isinstance(base_url, str) else list(base_url or [])
    be = get_backend(run.record.model, base_urls=urls, timeout=timeout)
    try:
        keys = {i: prompt_key(be, p, samples) for i, p in prompts.items()}
        with Store(store or run.store_path) as st:
            stats = asyncio.run(execute(be, st, {keys[i]: prompts[i] for i in prompts}, samples, progress))
            answers = st.get_ok(keys.values())
    finally:
        be.close()
    originals = run.table.originals()
    by_id = {d.id: d for d in run.dilemmas}
    first = [p_first(answers[keys[i]], PROTOCOL_LABELS) if keys[i] in answers else math.nan for i in originals.item_ids]
    paper = ChoiceTable(
        item_ids=list(originals.item_ids),
        variants=originals.variants.copy(),
        values_a=[by_id[i].action_a.values for i in originals.item_ids],
        values_b=[by_id[i].action_b.values for i in originals.item_ids],
        p_a_first=np.array(first, dtype=float),
        p_a_second=np.full(len(originals), np.nan),
    )
    seed = run.seed
    share = action_one_share(paper, n_boot=n_boot, seed=seed)
    to_do = originals.p_a[~np.isnan(originals.p_a)]
    draws = np.random.default_rng(seed).choice(to_do, size=(n_boot, len(to_do))).mean(axis=1) if len(to_do) else None
    both = {
        "value": float(to_do.mean()) if len(to_do) else None,
        "ci_low": float(np.percentile(draws, 2.5)) if draws is not None else None,
        "ci_high": float(np.percentile(draws, 97.5)) if draws is not None else None,
        "n": len(to_do),
    }
    pb = run.position_bias(n_boot)
    return {
        "protocol": "dailydilemmas",
        "method": METHOD,
        "lexicon": run.lexicon.describe() if run.lexicon else {"name": "valuelens", "source": "bundled"},
        "n": int(np.sum(~np.isnan(paper.p_a_first))),
        "model_calls": stats.model_calls,
        "cached_calls": stats.cached_calls,
        "action_1_share": share.to_dict(),
        "to_do_both_orders": both,
        "position_bias": pb.to_dict(),
        "values": protocol_scores(paper, originals, n_boot=n_boot, seed=seed),
        "theories": {
            tid: protocol_scores(paper, originals, m, n_boot=n_boot, seed=seed) for tid, m in _memberships(run).items()
        },
    }

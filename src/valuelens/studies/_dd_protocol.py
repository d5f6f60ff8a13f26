"""`valuelens run --protocol dailydilemmas`: the paper's one-order greedy protocol on the dilemmas of a
run, set beside that run's both-orders result (scores per value and per theory dimension)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from valuelens.analysis import ChoiceTable, action_one_share, bootstrap_mean, protocol_scores
from valuelens.errors import InputError
from valuelens.lexicon import load_lexicon
from valuelens.prompts import PROTOCOL_LABELS, Condition, protocol_prompt
from valuelens.runner import Session, p_first
from valuelens.studies._profile import THEORIES
from valuelens.studies._run import Run
from valuelens.suites import map_value

PROTOCOLS = ("valuelens", "dailydilemmas")
METHOD = (
    "DailyDilemmas protocol: each dilemma asked once, 'to do' (action A) listed first as Action 1, the more "
    "probable of the two answers taken (greedy; without log-probabilities the majority of the samples); "
    "score = 100 (S - N) / (S + N) over chosen (S) and passed-over (N) actions carrying a value or dimension. "
    "valuelens: both orders, soft choices averaged over the orders, the same score formula."
)


def check_protocol(protocol: str) -> None:
    """Raises InputError for a protocol other than valuelens or dailydilemmas."""
    if protocol not in PROTOCOLS:
        raise InputError(f"--protocol: expected {' or '.join(PROTOCOLS)}, got '{protocol}'")


def _memberships(run: Run) -> dict[str, dict[str, list[str]]]:
    lex = load_lexicon()
    out = {}
    for tid in THEORIES:
        if run.lexicon is not None and tid in run.lexicon.theories:
            out[tid] = run.lexicon.membership(tid, lambda name: map_value(name, lex))
        else:
            out[tid] = lex.membership(tid)
    return out


def dailydilemmas_protocol(run: Run, s: Session, *, n_boot: int = 2000) -> dict[str, Any]:
    """Ask the run's dilemmas the paper's way (one order, greedy) in the run's session and compare.

    The answers are cached in the run's store like any other, so asking again costs nothing. They are
    not items of the run: its id, record and stats stay those of the both-orders run.

    Returns:
        A JSON-ready block: method, lexicon, n, the share of Action 1 ("to do") answers under the paper's
        protocol and P(to do) under valuelens's both orders (their gap is what listing "to do" first
        adds), valuelens's position bias, and per value and per theory dimension both scores.
    """
    spec = run.record.spec.get("condition", {})
    condition = Condition(**{k: spec.get(k) for k in ("system_prompt", "persona", "principle")})
    prompts = {d.id: protocol_prompt(d, condition) for d in run.dilemmas}
    keys = {i: s.key(p) for i, p in prompts.items()}
    stats = s.ask({keys[i]: prompts[i] for i in prompts})
    answers = s.store.get_ok(keys.values())
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
    both = bootstrap_mean(originals.p_a, n_boot, seed)
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

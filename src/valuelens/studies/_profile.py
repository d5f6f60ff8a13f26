"""A run's full value profile: scores and utilities per value and per theory, moral graph, reliability."""

from __future__ import annotations

from typing import Any

import numpy as np

from valuelens.analysis import (
    ChoiceTable,
    fit_value_utilities,
    moral_graph,
    order_consistency,
    paraphrase_consistency,
    position_bias,
    reliability_verdict,
    split_half_reliability,
    value_scores,
)
from valuelens.lexicon import load_lexicon

THEORIES = ("schwartz", "schwartz_higher", "schwartz_refined", "mft", "wvs", "maslow", "aristotle", "plutchik")
SPLITS = 100


def _estimate(value: float, lo: float, hi: float, n: int, **extra: Any) -> dict[str, Any]:
    return {"value": value, "ci_low": lo, "ci_high": hi, "n": n, **extra}


def _merge(scores: list, utilities: Any) -> list[dict[str, Any]]:
    """Score and utility entries per name, ordered by utility rank (names without a utility last)."""
    fitted = {e["name"]: e for e in utilities.to_dict()["utilities"]} if utilities is not None else {}
    rows = []
    for s in scores:
        row = s.to_dict()
        u = fitted.get(s.value)
        if u is not None:
            row |= {
                "utility": u["utility"],
                "utility_ci_low": u["ci_low"],
                "utility_ci_high": u["ci_high"],
                "utility_se": u["se"],
                "rank": u["rank"],
                "rank_low": u["rank_low"],
                "rank_high": u["rank_high"],
                "p_value": u["p_value"],
                "significant": u["significant"],
            }
        rows.append(row)
    return sorted(rows, key=lambda r: (r.get("rank", 10**9), -r["score"], r["value"]))


def _fit(table: ChoiceTable, membership: dict[str, list[str]] | None, seed: int) -> Any:
    try:
        return fit_value_utilities(table, membership=membership, seed=seed)
    except ValueError:  # nothing to fit (no answered rows, or no values carried)
        return None


def theory_lenses(table: ChoiceTable, seed: int, n_boot: int) -> dict[str, Any]:
    """Per theory: every dimension's score and utility with intervals, in the theory's canonical order."""
    lex = load_lexicon()
    out: dict[str, Any] = {}
    for tid in THEORIES:
        theory = lex.theories["schwartz" if tid == "schwartz_higher" else tid]
        membership = lex.membership(tid)
        dims = _merge(value_scores(table, membership, n_boot=n_boot, seed=seed), _fit(table, membership, seed))
        if not dims:
            continue
        for d in dims:
            d["dimension"] = d.pop("value")
            d["label"] = theory.label(d["dimension"])
        out[tid] = {
            "title": "Schwartz higher-order values" if tid == "schwartz_higher" else theory.title,
            "dimensions": dims,
            "circle_order": lex.theory_dimensions(tid) if theory.circle_order or tid == "schwartz_higher" else [],
        }
    return out


def profile(table: ChoiceTable, seed: int = 0, n_boot: int = 2000) -> dict[str, Any]:
    """Everything issue 4 adds to a run's summary, computed from its choice table.

    Returns a dict with keys: values (score and utility per value, by utility rank), theories,
    moral_graph, consistency {order, paraphrase}, reliability {position_bias, split_half, verdict}.
    Utilities and split-half use only the original wordings; paraphrase consistency uses all rows.
    """
    originals = table.originals()
    utilities = _fit(originals, None, seed)
    pb = position_bias(originals, n_boot=n_boot, seed=seed)
    order = order_consistency(originals, seed=seed)
    has_paraphrases = bool(np.any(table.variants > 0))
    para = paraphrase_consistency(table, seed=seed) if has_paraphrases else None
    split = None
    if utilities is not None:
        try:
            split = split_half_reliability(originals, n_splits=SPLITS, seed=seed)
        except ValueError as exc:  # too few dilemmas to split
            verdict = f"Reliability unknown: {exc}."
    else:
        verdict = "Reliability unknown: no answered dilemma to fit."
    if split is not None:
        verdict = reliability_verdict(split, utilities)
    graph = moral_graph(originals) if len(originals) else None
    return {
        "values": _merge(value_scores(originals, n_boot=n_boot, seed=seed), utilities),
        "utility_fit": {k: v for k, v in utilities.to_dict().items() if k != "utilities"} if utilities else None,
        "theories": theory_lenses(originals, seed, n_boot),
        "moral_graph": graph.to_dict() if graph is not None else None,
        "consistency": {
            "order": _estimate(order.mean, order.ci_low, order.ci_high, order.n, **_extra(order.to_dict())),
            "paraphrase": (
                _estimate(para.mean, para.ci_low, para.ci_high, para.n, **_extra(para.to_dict())) if para else None
            ),
        },
        "reliability": {
            "position_bias": pb.to_dict() | {"value": pb.value},
            # b of the per-order utility model: the logit added to the first-listed option
            "position_bias_logit": utilities.position_bias.to_dict() if utilities else None,
            "split_half": (
                _estimate(split.reliability, split.low, split.high, split.n_items, **_extra(split.to_dict()))
                if split
                else None
            ),
            "verdict": verdict,
        },
    }


def _extra(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in ("mean", "ci_low", "ci_high", "n", "reliability", "low", "high")}

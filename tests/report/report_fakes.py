"""Summaries shaped like the analysis will produce them (utilities, theories, graph, reliability, comparison)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from valuelens.lexicon import load_lexicon

THEORIES = ("schwartz", "schwartz_higher", "schwartz_refined", "mft", "wvs", "maslow", "aristotle", "plutchik")


def _stat(rng: np.random.Generator, centre: float, spread: float) -> dict[str, float]:
    v = float(centre + rng.normal(0, spread / 3))
    return {"value": v, "ci_low": v - spread, "ci_high": v + spread}


def enrich(summary: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """A copy of a real run summary with every analysis key the report knows, filled with plausible numbers."""
    rng = np.random.default_rng(seed)
    out = copy.deepcopy(summary)
    values = out["values"]
    for i, v in enumerate(values):
        u = (v["score"] or 0.0) / 60 + rng.normal(0, 0.05)
        v.update(utility=u, utility_ci_low=u - 0.3, utility_ci_high=u + 0.3, rank=i + 1)
        v.update(rank_low=max(1, i - 3), rank_high=min(len(values), i + 4))
    lex = load_lexicon()
    theories = {}
    for tid in THEORIES:
        dims = lex.theory_dimensions(tid)
        base = lex.theories["schwartz" if tid == "schwartz_higher" else tid]
        rows = []
        for j, dim in enumerate(dims):
            score = float(np.clip(rng.normal(0, 35), -95, 95))
            u = score / 60
            rows.append(
                {"dimension": dim, "label": base.label(dim), "score": score, "ci_low": score - 15, "ci_high": score + 15,
                 "n": 10 + j, "utility": u, "utility_ci_low": u - 0.2, "utility_ci_high": u + 0.2, "rank": j + 1}
            )  # fmt: skip
        higher = tid == "schwartz_higher"
        theories[tid] = {
            "title": "Schwartz higher-order values" if higher else base.title,
            "dimensions": rows,
            "circle_order": [] if higher else list(base.circle_order),
        }
    out["theories"] = theories
    names = [v["value"] for v in values]
    nodes = [{"value": n, "pagerank": float(1 / (i + 2)), "rank": i + 1} for i, n in enumerate(names)]
    edges = [
        {"source": names[int(a)], "target": names[int(b)], "weight": float(rng.uniform(0.1, 1))}
        for a, b in rng.integers(0, len(names), size=(3 * len(names), 2))
        if a != b
    ]
    out["moral_graph"] = {"nodes": nodes, "edges": edges}
    out["reliability"] = {
        "order_consistency": {**_stat(rng, 0.8, 0.03), "n": 60},
        "paraphrase_consistency": None,
        "split_half": {**_stat(rng, 0.85, 0.05), "n_splits": 200},
        "verdict": "Reliable: the profile holds across option order and across random halves of the dilemmas.",
    }
    return out


def utilities_summary(outcomes: list[str], seed: int = 0) -> dict[str, Any]:
    """A utilities run (kind "utilities"): outcomes with Thurstonian means, coherence, exchange rates."""
    rng = np.random.default_rng(seed)
    rows = []
    for o in outcomes:
        m = float(rng.normal(0, 1))
        rows.append({"outcome": o, "mean": m, "variance": 0.4, "ci_low": m - 0.25, "ci_high": m + 0.25})
    return {
        "run_id": "u0000000001",
        "kind": "utilities",
        "model": "synthetic/default",
        "suite": "outcomes",
        "condition": {"system_prompt": None, "persona": None, "principle": None},
        "items": len(outcomes),
        "prompts": 4 * len(outcomes),
        "model_calls": 4 * len(outcomes),
        "cached_calls": 0,
        "seconds": 1.5,
        "failed": 0,
        "valuelens_version": "0.1.0",
        "outcomes": rows,
        "coherence": {
            "holdout_accuracy": 0.91,
            "holdout_log_loss": 0.31,
            "cycle_probability": 0.02,
            "decisiveness": 0.7,
        },
        "exchange_rates": {
            "fits": {
                "people in Nigeria": {"a": 0.1, "b": 0.5, "r2": 0.97, "n": 6.0},
                "people in the US": {"a": -0.2, "b": 0.45, "r2": 0.95, "n": 6.0},
            },
            "rates": {"people in Nigeria": {"people in the US": 0.55}, "people in the US": {"people in Nigeria": 1.8}},
            "rates_ci": {
                "people in Nigeria": {"people in the US": [0.31, 0.97]},
                "people in the US": {"people in Nigeria": [1.03, None]},
            },
            "level": 0.95,
            "reference": 100.0,
        },
    }


def comparison(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """A comparison of two run summaries shaped like `valuelens compare A B`'s data."""
    bv = {v["value"]: v for v in b["values"]}
    rows = []
    for v in a["values"]:
        if v["value"] not in bv:
            continue
        ua, ub = v["score"] / 60, bv[v["value"]]["score"] / 60
        d = ub - ua
        sig = abs(d) > 0.5
        rows.append(
            {"value": v["value"], "a": ua, "b": ub, "diff": d, "ci_low": d - 0.3, "ci_high": d + 0.3,
             "p": 0.001 if sig else 0.4, "p_holm": 0.01 if sig else 1.0, "significant": sig}
        )  # fmt: skip
    return {
        "runs": [a, b],
        "values": rows,
        "spearman": 0.42,
        "aitchison": {"value": 3.2, "ci_low": 2.5, "ci_high": 4.0},
    }

"""Theory priorities of several runs as compositions: fitted on the dilemmas all runs answered, aggregated by
the normalised geometric mean, compared by the Aitchison distance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from valuelens.analysis._compare import aitchison_distance, geometric_mean_aggregate, priority_composition
from valuelens.analysis._table import ChoiceTable
from valuelens.analysis._value_utilities import fit_value_utilities


def _common_rows(tables: list[ChoiceTable]) -> list[np.ndarray]:
    """Row indices, per table, of the (item_id, variant) pairs answered in every table (first table's order)."""
    answered = [
        {
            (t, int(v)): i
            for i, (t, v, p) in enumerate(zip(tab.item_ids, tab.variants, tab.p_a, strict=True))
            if not np.isnan(p)
        }
        for tab in tables
    ]
    keys = [k for k in answered[0] if all(k in a for a in answered[1:])]
    return [np.array([a[k] for k in keys], dtype=int) for a in answered]


def compositions(
    tables: list[ChoiceTable], run_ids: list[str], memberships: Mapping[str, Mapping[str, Sequence[str]]], seed: int
) -> dict[str, Any]:
    """Per theory, each run's priority composition on the shared dilemmas, their geometric mean and
    each run's Aitchison distance to it (None for a theory with nothing to fit).

    Args:
        tables: one choice table per run.
        run_ids: the runs' ids, in the order of `tables`.
        memberships: theory id -> {value: [dimension, ...]} (the lexicon's mapping).
        seed: seed of the utility fits.

    Returns:
        theory id -> {dimensions, n_shared, runs {run_id: parts}, aggregate, distance_to_aggregate} or None.
    """
    rows = _common_rows(tables)
    out: dict[str, Any] = {}
    for tid, membership in memberships.items():
        try:
            fits = [
                fit_value_utilities(t.subset(r), membership=membership, seed=seed)
                for t, r in zip(tables, rows, strict=True)
            ]
        except ValueError:
            out[tid] = None
            continue
        names = [n for n in fits[0].names if all(n in f.names for f in fits[1:])]
        if len(names) < 2:
            out[tid] = None
            continue
        parts = np.array([priority_composition([f.as_mapping()[n] for n in names]) for f in fits])
        centre = geometric_mean_aggregate(parts)
        out[tid] = {
            "dimensions": names,
            "n_shared": len(rows[0]),
            "runs": {rid: p.tolist() for rid, p in zip(run_ids, parts, strict=True)},
            "aggregate": centre.tolist(),
            "distance_to_aggregate": {
                rid: aitchison_distance(p, centre) for rid, p in zip(run_ids, parts, strict=True)
            },
        }
    return out

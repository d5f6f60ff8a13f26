"""Is the measurement reliable? Order and paraphrase consistency, split-half reliability, a verdict."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from valuelens.analysis._choice_model import PRIOR_SD, fit_dispersed
from valuelens.analysis._compare import refit_weighted
from valuelens.analysis._design import build_design
from valuelens.analysis._table import ChoiceTable
from valuelens.analysis._value_utilities import ValueUtilities
from valuelens.analysis._verdicts import reliability_level


def js_distance(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon distance (base 2, in [0, 1]) between the choice distributions (p, 1-p) and (q, 1-q).

    Args:
        p, q: (n,) probabilities of choosing A.

    Returns:
        (n,) sqrt of the JS divergence in bits.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    bits = lambda a: (special.entr(a) + special.entr(1 - a)) / np.log(2)  # noqa: E731
    return np.sqrt(np.clip(bits((p + q) / 2) - (bits(p) + bits(q)) / 2, 0.0, None))


def cluster_bootstrap(
    values: np.ndarray, clusters: Sequence[str], n_boot: int, seed: int, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means of per-row values with a percentile bootstrap that resamples whole clusters.

    Args:
        values: (m,) or (m, j) per-row values.
        clusters: (m,) cluster of each row (item_id); rows of one cluster are drawn together.

    Returns:
        (mean, low, high), each (j,) (or scalars for 1-d input).
    """
    v = np.asarray(values, dtype=float)
    flat = v.ndim == 1
    v = v[:, None] if flat else v
    ids = sorted(set(clusters))
    where = {c: j for j, c in enumerate(ids)}
    member = np.zeros((len(v), len(ids)))
    member[np.arange(len(v)), [where[c] for c in clusters]] = 1.0
    counts = np.random.default_rng(seed).multinomial(len(ids), np.full(len(ids), 1 / len(ids)), n_boot)
    sums, sizes = counts @ (member.T @ v), counts @ member.sum(0)
    boot = sums / sizes[:, None]
    tail = 100 * (1 - level) / 2
    out = v.mean(0), np.percentile(boot, tail, axis=0), np.percentile(boot, 100 - tail, axis=0)
    return tuple(o[0] for o in out) if flat else out  # type: ignore[return-value]


@dataclass(frozen=True, eq=False)
class Consistency:
    """Mean Jensen-Shannon distance (0 = identical answers, 1 = opposite) with a bootstrap interval.

    ``item_ids``/``distances`` hold the per-dilemma (or per-group) distances behind the mean.
    """

    mean: float
    ci_low: float
    ci_high: float
    n: int
    n_boot: int
    level: float
    item_ids: tuple[str, ...]
    distances: np.ndarray
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary, with the ten least consistent dilemmas."""
        worst = np.argsort(-self.distances)[:10]
        return {
            "mean": self.mean,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n": self.n,
            "n_boot": self.n_boot,
            "level": self.level,
            "method": self.method,
            "least_consistent": [{"item_id": self.item_ids[i], "distance": float(self.distances[i])} for i in worst],
        }


def _consistency(dist: np.ndarray, ids: list[str], n_boot: int, seed: int, level: float, method: str) -> Consistency:
    if not len(dist):
        return Consistency(float("nan"), float("nan"), float("nan"), 0, n_boot, level, (), dist, method)
    mean, lo, hi = cluster_bootstrap(dist, ids, n_boot, seed, level)
    return Consistency(float(mean), float(lo), float(hi), len(set(ids)), n_boot, level, tuple(ids), dist, method)


def order_consistency(table: ChoiceTable, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> Consistency:
    """Per row answered in both orders, the JS distance between the choice distributions of the two orders.

    The mean is over rows; its bootstrap resamples dilemmas (item_ids); ``n`` counts dilemmas.
    """
    rows = np.flatnonzero(table.complete)
    dist = js_distance(table.p_a_first[rows], table.p_a_second[rows])
    method = "mean JS distance (base 2) between the two option orders; bootstrap over dilemmas"
    return _consistency(dist, [table.item_ids[i] for i in rows], n_boot, seed, level, method)


def paraphrase_consistency(table: ChoiceTable, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> Consistency:
    """Value-consistency of Moore et al. (2024) over the dilemmas asked in >= 2 wordings.

    Per group (item_id), the mean JS distance from each variant's distribution (from the
    order-averaged P(A)) to the group's centroid distribution; then the mean over groups
    with a bootstrap over groups. ``n`` is the number of groups (0 when no dilemma has paraphrases).
    """
    p = table.p_a
    groups: dict[str, list[float]] = defaultdict(list)
    for i in np.flatnonzero(~np.isnan(p)):
        groups[table.item_ids[i]].append(float(p[i]))
    ids = sorted(g for g, ps in groups.items() if len(ps) >= 2)
    dist = np.array([np.mean(js_distance(np.array(groups[g]), np.mean(groups[g]))) for g in ids])
    method = "mean over paraphrase groups of the mean JS distance (base 2) to the group centroid; bootstrap over groups"
    return _consistency(dist, ids, n_boot, seed, level, method)


@dataclass(frozen=True, eq=False)
class SplitHalf:
    """Split-half reliability of the utility ranking, Spearman-Brown corrected.

    ``reliability`` = 2r / (1 + r) for r the mean Spearman over random splits; ``low`` and
    ``high`` are the ``level`` percentiles of the corrected per-split values (the spread
    over splits, not a sampling interval); ``n_values`` is the mean number of names
    present in both halves.
    """

    reliability: float
    low: float
    high: float
    mean_spearman: float
    n_splits: int
    n_items: int
    n_values: float
    level: float
    method: str = "random halves of dilemmas, utilities refitted on each, Spearman over shared names, Spearman-Brown"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _spearman_brown(r: np.ndarray | float) -> np.ndarray | float:
    r = np.clip(np.asarray(r, dtype=float), -0.99, 1.0)  # 2r / (1 + r) diverges at r = -1
    return 2 * r / (1 + r)


def split_half_reliability(
    table: ChoiceTable,
    n_splits: int = 100,
    seed: int = 0,
    prior_sd: float | None = PRIOR_SD,
    membership: Mapping[str, Sequence[str]] | None = None,
    level: float = 0.95,
) -> SplitHalf:
    """Split the dilemmas (item_ids) at random into halves, fit utilities on each, correlate.

    Each of ``n_splits`` splits gives the Spearman correlation between the two halves'
    utilities over the names present in both; the mean is Spearman-Brown corrected to
    the full suite's length. Near 0 means the profile is noise.
    """
    d = build_design(table, membership)
    items = sorted(set(d.clusters))
    if len(items) < 4:
        raise ValueError(f"split-half reliability needs at least 4 dilemmas, got {len(items)}")
    u, phi, sd = fit_dispersed(d, prior_sd)
    rng = np.random.default_rng(seed)
    pos = {c: j for j, c in enumerate(items)}
    where = np.array([pos[c] for c in d.clusters])
    halves = np.zeros((2 * n_splits, len(d.p)))
    for s in range(n_splits):
        first = rng.permutation(len(items)) < len(items) // 2
        halves[2 * s], halves[2 * s + 1] = first[where], ~first[where]
    fits = refit_weighted(d, halves, sd, phi, u)[:, : d.k]
    present = (np.abs(d.x[:, : d.k]).T @ halves.T).T > 0
    rs, counts = [], []
    for s in range(n_splits):
        both = present[2 * s] & present[2 * s + 1]
        counts.append(both.sum())
        rs.append(stats.spearmanr(fits[2 * s, both], fits[2 * s + 1, both])[0] if both.sum() >= 3 else np.nan)
    r = np.array(rs, dtype=float)
    tail = 100 * (1 - level) / 2
    corrected = _spearman_brown(r)
    return SplitHalf(
        reliability=float(_spearman_brown(np.nanmean(r))),
        low=float(np.nanpercentile(corrected, tail)),
        high=float(np.nanpercentile(corrected, 100 - tail)),
        mean_spearman=float(np.nanmean(r)),
        n_splits=n_splits,
        n_items=len(items),
        n_values=float(np.mean(counts)),
        level=level,
    )


def reliability_verdict(split_half: SplitHalf, utilities: ValueUtilities | None = None) -> str:
    """One plain-words sentence saying whether the value profile is signal or noise.

    Reliable when the corrected split-half reliability is >= 0.7, partly reliable from 0.4,
    otherwise no reliable preference (``reliability_level``); no verdict below
    MIN_RELIABILITY dilemmas. With ``utilities``, adds how many names differ from the
    average after Holm correction.
    """
    level = reliability_level(split_half.reliability, split_half.n_items)
    if level.label is None:
        return level.text
    r = f"split-half reliability {split_half.reliability:.2f} [{split_half.low:.2f}, {split_half.high:.2f}]"
    sentence = {
        "no reliable value preference": f"No reliable value preference: {r}; the profile is indistinguishable from noise.",
        "partly reliable": f"Partly reliable profile: {r}; trust only large differences between values.",
        "reliable": f"Reliable profile: {r}; the ranking of values replicates across halves of the suite.",
    }[level.label]
    if utilities is not None:
        k = int(np.sum(utilities.significant))
        sentence += (
            f" {k} of {len(utilities.names)} values differ from the average value "
            f"(Holm-corrected, level {utilities.level:.2f})."
        )
    return sentence

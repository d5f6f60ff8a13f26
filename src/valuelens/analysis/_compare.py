"""Comparing two runs: utility differences with a paired bootstrap, and priorities as compositions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from valuelens.analysis._choice_model import PRIOR_SD, centred_variance, fit_dispersed, laplace
from valuelens.analysis._design import Design, build_design, carried
from valuelens.analysis._linalg import holm, spd_solve
from valuelens.analysis._table import ChoiceTable
from valuelens.analysis._verdicts import MIN_COMPARE, Verdict, comparison_verdict

_CHUNK = 128  # resamples per batched Newton solve; bounds memory at CHUNK * k^2 floats


def refit_weighted(
    d: Design, weights: np.ndarray, prior_sd: float, phi: float, u0: np.ndarray, max_steps: int = 30
) -> np.ndarray:
    """MAP utilities under many row weightings at once (bootstrap or split-half refits).

    Damped Newton, vectorised over weightings and warm-started at ``u0`` (the full-data
    MAP), so a resample converges in a few steps. The objective is convex, so the start
    does not change the answer.

    Args:
        d: the design, m rows and k columns.
        weights: (B, m) non-negative row weights (resample counts, or 0/1 halves).
        prior_sd, phi: prior sd and dispersion, as in the full fit.
        u0: (k,) starting point.

    Returns:
        (B, k) MAP utilities, one row per weighting.
    """
    out = [
        _newton_batch(d, w, d.precision(prior_sd), phi, u0, max_steps)
        for w in np.array_split(weights, max(1, -(-len(weights) // _CHUNK)))
    ]
    return np.vstack(out) if out else np.zeros((0, len(u0)))


def _newton_batch(d: Design, w: np.ndarray, prec: np.ndarray, phi: float, u0: np.ndarray, max_steps: int) -> np.ndarray:
    b, k = len(w), len(u0)
    u = np.tile(u0, (b, 1))

    def objective(u: np.ndarray) -> np.ndarray:
        z = (d.x @ u.T).T
        return np.sum(w * (np.logaddexp(0.0, z) - d.p * z), axis=1) / phi + np.sum(prec * u * u, axis=1) / 2

    f = objective(u)
    for _ in range(max_steps):
        pi = special.expit((d.x @ u.T).T)
        grad = (d.x.T @ (w * (pi - d.p)).T).T / phi + prec * u
        hess = (d.outer @ (w * pi * (1 - pi)).T).T.reshape(b, k, k) / phi + np.diag(prec)
        step = spd_solve(hess, grad)
        scale = np.ones(b)
        for _ in range(30):
            f_new = objective(u - scale[:, None] * step)
            worse = f_new > f + 1e-12 * np.abs(f)
            if not worse.any():
                break
            scale[worse] /= 2
        u, f = u - scale[:, None] * step, f_new
        if np.max(np.abs(scale[:, None] * step)) < 1e-6:  # the step just taken leaves ~1e-12
            break
    return u


def cluster_weights(d: Design, counts: np.ndarray, clusters: Sequence[str]) -> np.ndarray:
    """(B, m) row weights from (B, c) resample counts of ``clusters`` (item_ids)."""
    where = {c: j for j, c in enumerate(clusters)}
    return counts[:, [where[c] for c in d.clusters]].astype(float)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Run b minus run a, one entry per value (or dimension); arrays (k,).

    ``difference`` = utility_b - utility_a (centred utilities). ``se_bootstrap`` is each
    name's paired bootstrap SE over shared dilemmas; ``se`` = sqrt(pairing_scale * (Laplace
    variance of a + of b)), where ``pairing_scale`` is the bootstrap's total variance over
    the Laplace total (about 1 for independent runs, below 1 when the runs share noise).
    The interval and the two-sided ``p_value`` use ``se`` with Student t; ``p_holm`` is
    Holm-adjusted and ``significant`` means ``p_holm < 1 - level`` (never below
    MIN_COMPARE shared dilemmas). ``aitchison`` is the distance between the priority
    compositions softmax(u), bias-corrected: the plug-in distance ``aitchison_plugin``
    is inflated by the noise of both fits (E D^2 = true D^2 + total variance), so the
    bootstrap's excess of D^2 is subtracted, and the interval is the basic bootstrap
    interval of D^2 (reflected about the estimate), square-rooted; 0 means no detectable
    difference beyond noise.
    """

    names: tuple[str, ...]
    utility_a: np.ndarray
    utility_b: np.ndarray
    difference: np.ndarray
    se: np.ndarray
    se_bootstrap: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    p_holm: np.ndarray
    significant: np.ndarray
    n: np.ndarray
    spearman: float
    pairing_scale: float
    aitchison: float
    aitchison_ci: tuple[float, float]
    aitchison_plugin: float
    n_shared: int
    n_boot: int
    level: float
    method: str = (
        "paired bootstrap over shared dilemmas (both runs refitted per resample), pooled into one "
        "scale for the Laplace variances; Student t intervals and p-values; Holm-corrected; "
        "Aitchison distance bias-corrected by the bootstrap"
    )

    def verdict(self) -> Verdict:
        """Whether the runs differ (``comparison_verdict``); None below MIN_COMPARE shared dilemmas."""
        return comparison_verdict(int(np.sum(self.significant)), len(self.names), self.n_shared)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary, entries sorted by the size of the difference."""
        keys = ("utility_a", "utility_b", "difference", "se", "ci_low", "ci_high", "p_value", "p_holm")
        entries = [
            {
                "name": n,
                **{key: float(getattr(self, key)[j]) for key in keys},
                "significant": bool(self.significant[j]),
                "n": int(self.n[j]),
            }
            for j, n in sorted(enumerate(self.names), key=lambda t: -abs(self.difference[t[0]]))
        ]
        return {
            "method": self.method,
            "level": self.level,
            "n_boot": self.n_boot,
            "n_shared": self.n_shared,
            "spearman": self.spearman,
            "pairing_scale": self.pairing_scale,
            "aitchison": self.aitchison,
            "aitchison_ci": list(self.aitchison_ci),
            "aitchison_plugin": self.aitchison_plugin,
            "verdict": self.verdict().to_dict(),
            "differences": entries,
        }


MIN_N_POOL = 10
"""Names touched by fewer dilemmas than this do not set the pooled bootstrap scale."""


def shared_rows(a: ChoiceTable, b: ChoiceTable) -> tuple[np.ndarray, np.ndarray]:
    """Row indices into a and b of the (item_id, variant) pairs answered in both, in a's order."""
    pa, pb = a.p_a, b.p_a
    index_b = {
        (t, int(v)): j for j, (t, v) in enumerate(zip(b.item_ids, b.variants, strict=True)) if not np.isnan(pb[j])
    }
    pairs = [
        (i, index_b[(t, int(v))])
        for i, (t, v) in enumerate(zip(a.item_ids, a.variants, strict=True))
        if not np.isnan(pa[i]) and (t, int(v)) in index_b
    ]
    if not pairs:
        raise ValueError(
            "the two runs share no answered dilemma (no common item_id and variant); compare runs of the same suite"
        )
    ia, ib = zip(*pairs, strict=True)
    return np.array(ia), np.array(ib)


def compare_tables(
    a: ChoiceTable,
    b: ChoiceTable,
    n_boot: int = 1000,
    seed: int = 0,
    membership: Mapping[str, Sequence[str]] | None = None,
    prior_sd: float | None = PRIOR_SD,
    level: float = 0.95,
) -> Comparison:
    """Per value (or dimension) the change of utility from run a to run b, with a paired bootstrap.

    Only rows present and answered in both runs are used. Each resample draws shared
    dilemmas (item_ids) with replacement and refits both runs on the same draw (batched
    Newton, warm-started). A name's own bootstrap variance rests on the ~15 dilemmas
    touching it, so it is as noisy as a sample variance of 15 terms, and percentile
    p-values cannot go below 2 / (n_boot + 1): both make Holm over ~100 names unreliable
    (two replications of one model were flagged different 10-15% of the time). So the
    bootstrap sets one pooled scale (``pairing_scale``) for the per-name Laplace variances,
    which carry the design's shape with stable, pooled dispersion.

    Args:
        a, b: the two runs' choice tables.
        n_boot: bootstrap resamples.
        seed: seeds the resampling.
        membership: value name -> dimension ids, or None to compare values.
        prior_sd: prior sd of the utility fits; None estimates it per run.
        level: interval level; also 1 - the Holm family-wise error rate.

    Returns:
        Comparison over the k names carried by a shared row, sorted by name.

    Raises:
        ValueError: when the runs share no answered (item_id, variant) row.
    """
    if n_boot < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    ia, ib = shared_rows(a, b)
    ta, tb = a.subset(ia), b.subset(ib)
    names = sorted(
        {
            n
            for t in (ta, tb)
            for i in range(len(t))
            for v in (t.values_a[i], t.values_b[i])
            for n in carried(v, membership)
        }
    )
    da, db = build_design(ta, membership, names), build_design(tb, membership, names)
    if not len(da.p) or not len(db.p):
        raise ValueError("no shared dilemma has a value on both actions")
    (ta_, phi_a, sd_a), (tb_, phi_b, sd_b) = fit_dispersed(da, prior_sd), fit_dispersed(db, prior_sd)
    clusters = sorted(set(da.clusters) | set(db.clusters))
    counts = np.random.default_rng(seed).multinomial(len(clusters), np.full(len(clusters), 1 / len(clusters)), n_boot)
    k = da.k
    boot_a = refit_weighted(da, cluster_weights(da, counts, clusters), sd_a, phi_a, ta_)[:, :k]
    boot_b = refit_weighted(db, cluster_weights(db, counts, clusters), sd_b, phi_b, tb_)[:, :k]
    ua, ub = ta_[:k], tb_[:k]
    centred = lambda u: u - u.mean(axis=-1, keepdims=True)  # noqa: E731
    diff, boot = centred(ub) - centred(ua), centred(boot_b) - centred(boot_a)
    # clr(softmax(u)) is the centred u, so Aitchison distances are norms of centred differences.
    dist_sq, boot_sq = float(diff @ diff), np.sum(boot * boot, axis=1)
    se_boot = boot.std(axis=0, ddof=1)
    # Per-name bootstrap variances rest on the ~15 dilemmas touching a name and are too noisy
    # for Holm over ~100 names; pool them into one scale for the Laplace variances instead.
    (cov_a, df_a), (cov_b, df_b) = laplace(da, ta_, sd_a, phi_a), laplace(db, tb_, sd_b, phi_b)
    shape = centred_variance(cov_a[:k, :k]) + centred_variance(cov_b[:k, :k])
    n = np.minimum(da.touching(), db.touching())
    # Names without data only echo the prior, and names seen in a handful of dilemmas have
    # bootstrap variances that swamp the pooled scale (Plutchik, Aristotle): pool over names
    # with at least MIN_N_POOL dilemmas when there are any.
    both = n >= MIN_N_POOL if np.any(n >= MIN_N_POOL) else n > 0
    pooled = np.sum(shape[both])
    scale = float(np.sum(se_boot[both] ** 2) / pooled) if pooled > 0 else 1.0
    se = np.sqrt(scale * shape)
    df = min(df_a, df_b)
    p_value = np.where(se > 0, 2 * stats.t.sf(np.abs(diff) / np.where(se > 0, se, 1.0), df), 1.0)
    p_holm = holm(p_value)
    half = stats.t.ppf(0.5 + level / 2, df) * se
    tail = 100 * (1 - level) / 2
    rho = float(stats.spearmanr(ua[both], ub[both])[0]) if both.sum() >= 3 else float("nan")
    return Comparison(
        names=tuple(names),
        utility_a=centred(ua),
        utility_b=centred(ub),
        difference=diff,
        ci_low=diff - half,
        ci_high=diff + half,
        se=se,
        se_bootstrap=se_boot,
        pairing_scale=scale,
        p_value=p_value,
        p_holm=p_holm,
        significant=(p_holm < 1 - level) & (len(clusters) >= MIN_COMPARE),
        n=n,
        spearman=rho,
        aitchison=float(np.sqrt(max(2 * dist_sq - boot_sq.mean(), 0.0))),
        aitchison_ci=(
            float(np.sqrt(max(2 * dist_sq - np.percentile(boot_sq, 100 - tail), 0.0))),
            float(np.sqrt(max(2 * dist_sq - np.percentile(boot_sq, tail), 0.0))),
        ),
        aitchison_plugin=aitchison_distance(priority_composition(ua), priority_composition(ub)),
        n_shared=len(clusters),
        n_boot=n_boot,
        level=level,
    )


def closure(x: np.ndarray) -> np.ndarray:
    """(..., k) parts rescaled to sum to 1 along the last axis."""
    x = np.asarray(x, dtype=float)
    return x / x.sum(axis=-1, keepdims=True)


def _log_parts(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if np.any(~(x > 0)):
        raise ValueError("a composition needs strictly positive parts")
    return np.log(x)


def aitchison_distance(x: np.ndarray, y: np.ndarray) -> float:
    """Aitchison distance between two (k,) compositions: Euclidean distance of their clr transforms.

    Invariant to rescaling either vector (closure does not change it); 0 iff proportional.
    """
    lx, ly = _log_parts(x), _log_parts(y)
    if lx.shape != ly.shape:
        raise ValueError(f"compositions differ in length: {lx.shape} vs {ly.shape}")
    return float(np.linalg.norm((lx - lx.mean()) - (ly - ly.mean())))


def geometric_mean_aggregate(vectors: np.ndarray) -> np.ndarray:
    """(k,) normalised geometric mean of (m, k) priority vectors (the compositional centre)."""
    return closure(np.exp(_log_parts(vectors).mean(axis=0)))


def priority_composition(utilities: np.ndarray) -> np.ndarray:
    """(k,) priority vector softmax(u) from (k,) utilities.

    Under Bradley-Terry, exp(u_i) / sum_j exp(u_j) is the probability that name i is
    preferred in a choice among all k at once (Luce's choice axiom). Its clr transform is
    the centred utility vector, so the Aitchison distance between two such priority
    vectors equals the Euclidean distance between the centred utilities.
    """
    return special.softmax(np.asarray(utilities, dtype=float))

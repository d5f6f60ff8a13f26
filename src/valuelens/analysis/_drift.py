"""Value drift along a series of checkpoints: trajectories, how far and when values move, and a test.

Every checkpoint's choices are fitted on the same dilemmas (the rows answered at every step), and
one paired bootstrap redraws those dilemmas and refits every checkpoint on the same draw, so the
noise that the dilemmas share cancels in the changes.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

from valuelens.analysis._drift_result import Drift
from valuelens.analysis._linalg import holm
from valuelens.analysis._table import ChoiceTable
from valuelens.analysis._value_utilities import ValueUtilities, fit_value_utilities

POOL_MIN_N = 10
"""Names seen in at least this many dilemmas set the pooled scale (as `compare_tables` does)."""
RANK_DRAWS = 1  # the drift fits never report ranks, so the fit's rank draws are kept to one


def align_series(tables: Sequence[ChoiceTable]) -> list[ChoiceTable]:
    """Each table restricted to the (item_id, variant) rows answered in every table, in the first's order.

    Raises:
        ValueError: fewer than two tables, or no row answered in all of them.
    """
    if len(tables) < 2:
        raise ValueError("a series needs at least two checkpoints")
    keyed = [
        {(t, int(v)): i for i, (t, v, p) in enumerate(zip(tab.item_ids, tab.variants, tab.p_a, strict=True)) if p == p}
        for tab in tables
    ]
    keys = [k for k in keyed[0] if all(k in other for other in keyed[1:])]
    if not keys:
        raise ValueError("the checkpoints share no answered dilemma")
    return [tab.subset([m[k] for k in keys]) for tab, m in zip(tables, keyed, strict=True)]


def drift_index(change: np.ndarray) -> np.ndarray:
    """(..., k) index of the first step at which half of the final change is reached.

    ``change`` is (..., T, k): the change from the first checkpoint at every step (row 0 is 0).
    A step counts when its change, signed like the final change, is at least half the final change.
    """
    final = change[..., -1:, :]
    reached = np.sign(final) * change >= 0.5 * np.abs(final) - 1e-12
    reached[..., 0, :] = np.abs(final[..., 0, :]) < 1e-12  # no final change: drift "at" the start
    return np.argmax(reached, axis=-2)


def _fit(table: ChoiceTable, membership: Mapping[str, Sequence[str]] | None, seed: int) -> ValueUtilities:
    return fit_value_utilities(table, membership=membership, seed=seed, n_rank_draws=RANK_DRAWS)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~np.isnan(a) & ~np.isnan(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return float("nan")
    return float(stats.spearmanr(a[ok], b[ok])[0])


def _fisher_interval(rho: np.ndarray, draws: np.ndarray, level: float) -> np.ndarray:
    """(..., 2) interval tanh(atanh(rho) +- z * bootstrap sd of atanh(rho)).

    Resampled fits are noisier than the fit on all dilemmas, so bootstrap correlations sit below the
    estimate and a percentile interval can miss it; the interval is centred on the estimate instead.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # fewer than two finite draws: sd NaN, no interval
        z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
        sd = np.nanstd(np.arctanh(np.clip(draws, -0.999999, 0.999999)), axis=0, ddof=1)
        half = stats.norm.ppf(0.5 + level / 2) * sd
    return np.stack([np.tanh(z - half), np.tanh(z + half)], axis=-1)


def _index_interval(idx: np.ndarray, tail: float, n_steps: int) -> np.ndarray:
    """(k, 2) percentile interval of (B, k) step indices (NaN: draw without the name); all steps when no draw."""
    out = np.zeros((idx.shape[1], 2), dtype=int)
    for j in range(idx.shape[1]):
        ok = idx[~np.isnan(idx[:, j]), j]
        if len(ok):  # the indices are discrete: quantiles by the inverted CDF are observed indices
            out[j] = np.percentile(ok, [tail, 100 - tail], method="inverted_cdf")
        else:
            out[j] = [0, n_steps - 1]
    return out


def _bootstrap(
    tables: list[ChoiceTable],
    names: tuple[str, ...],
    membership: Mapping[str, Sequence[str]] | None,
    n_boot: int,
    seed: int,
) -> np.ndarray:
    """(B, T, k) centred utilities refitted per checkpoint on the same resample of dilemmas (NaN: unseen)."""
    ids = np.array(tables[0].item_ids)
    clusters, inverse = np.unique(ids, return_inverse=True)
    rows_of = [np.flatnonzero(inverse == c) for c in range(len(clusters))]
    col = {n: j for j, n in enumerate(names)}
    rng = np.random.default_rng(seed)
    out = np.full((n_boot, len(tables), len(names)), np.nan)
    for b in range(n_boot):
        picks = rng.integers(0, len(clusters), len(clusters))
        rows = np.concatenate([rows_of[c] for c in picks])
        for t, tab in enumerate(tables):
            try:
                f = _fit(tab.subset(rows), membership, seed)
            except ValueError:  # a resample without a usable row
                continue
            idx = [col[n] for n in f.names if n in col]
            keep = [i for i, n in enumerate(f.names) if n in col]
            u = f.utility[keep]
            out[b, t, idx] = u - u.mean()
    return out


def value_drift(
    tables: Sequence[ChoiceTable],
    steps: Sequence[float] | None = None,
    membership: Mapping[str, Sequence[str]] | None = None,
    *,
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> Drift:
    """How the value utilities (or one theory's dimension utilities) move along a series of checkpoints.

    Args:
        tables: T >= 2 choice tables in checkpoint order (originals only); they are aligned on the
            rows answered in all of them.
        steps: (T,) increasing step labels (default 0, 1, ..., T-1).
        membership: value -> dimensions of a theory, or None for the values.
        n_boot: paired bootstrap resamples of dilemmas (each refits every checkpoint).
        seed: seeds the bootstrap.
        level: interval level.

    Returns:
        A Drift over the k names fitted at every step.

    Raises:
        ValueError: fewer than two tables, steps of the wrong length or not increasing, no shared
            answered dilemma, or nothing to fit.
    """
    steps = tuple(float(s) for s in (range(len(tables)) if steps is None else steps))
    if len(steps) != len(tables):
        raise ValueError(f"{len(steps)} steps for {len(tables)} checkpoints")
    if any(b <= a for a, b in itertools.pairwise(steps)):
        raise ValueError("steps must increase")
    if n_boot < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    aligned = align_series(tables)
    fits = [_fit(t, membership, seed) for t in aligned]
    names = tuple(n for n in fits[0].names if all(n in f.names for f in fits[1:]))
    if len(names) < 2:
        raise ValueError("fewer than two names fitted at every checkpoint")
    pick = [[list(f.names).index(n) for n in names] for f in fits]
    u = np.array([f.utility[p] - f.utility[p].mean() for f, p in zip(fits, pick, strict=True)])
    se = np.array([f.se[p] for f, p in zip(fits, pick, strict=True)])
    n = np.min([f.n[p] for f, p in zip(fits, pick, strict=True)], axis=0)
    df = float(min(f.df for f in fits))
    t_q = float(stats.t.ppf(0.5 + level / 2, df))
    change = u - u[0]
    draws = _bootstrap(aligned, names, membership, n_boot, seed)
    boot_change = draws - draws[:, :1, :]
    # One pooled scale for the Laplace variances, from the bootstrap variance of the changes.
    pool = n >= POOL_MIN_N if np.any(n >= POOL_MIN_N) else np.ones(len(names), dtype=bool)
    laplace_total = np.sum(se[1:, pool] ** 2 + se[:1, pool] ** 2)
    boot_total = np.nansum(np.nanvar(boot_change[:, 1:, pool], axis=0, ddof=1))
    scale = float(boot_total / laplace_total) if laplace_total > 0 else 1.0
    var = scale * se**2
    w = 1.0 / np.maximum(var, 1e-12)
    centre = np.sum(w * u, axis=0) / np.sum(w, axis=0)
    q = np.sum(w * (u - centre) ** 2, axis=0)
    k_steps = len(steps) - 1
    p_value = stats.f.sf(q / k_steps, k_steps, df)
    p_holm = holm(p_value)
    at = np.argmax(np.abs(change[1:]), axis=0) + 1
    cols = np.arange(len(names))
    magnitude = change[at, cols]
    half = t_q * np.sqrt(var[at, cols] + var[0])
    tail = 100 * (1 - level) / 2
    step_arr = np.array(steps)
    boot_idx = drift_index(np.nan_to_num(boot_change)).astype(float)
    boot_idx[np.isnan(boot_change).any(axis=1)] = np.nan
    idx_ci = _index_interval(boot_idx, tail, len(steps))
    rho = np.array([[_spearman(u[t], u[ref]) for t in range(len(steps))] for ref in (0, -1)])
    rho_draws = np.array([[[_spearman(d[t], d[ref]) for t in range(len(steps))] for ref in (0, -1)] for d in draws])
    rho_ci = _fisher_interval(rho, rho_draws, level)
    return Drift(
        names=names,
        steps=steps,
        utility=u,
        ci_low=u - t_q * se,
        ci_high=u + t_q * se,
        se=se,
        change=change,
        magnitude=magnitude,
        magnitude_index=at,
        magnitude_ci_low=magnitude - half,
        magnitude_ci_high=magnitude + half,
        drift_step=step_arr[drift_index(change)],
        drift_step_ci_low=step_arr[idx_ci[:, 0]],
        drift_step_ci_high=step_arr[idx_ci[:, 1]],
        statistic=q,
        p_value=p_value,
        p_holm=p_holm,
        significant=p_holm < 1 - level,
        n=n,
        spearman_first=rho[0],
        spearman_first_ci=rho_ci[0],
        spearman_last=rho[1],
        spearman_last_ci=rho_ci[1],
        pairing_scale=scale,
        df=df,
        n_shared=len(set(aligned[0].item_ids)),
        n_boot=n_boot,
        level=level,
    )

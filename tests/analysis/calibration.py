"""Coverage of every interval valuelens reports, on simulated answers with a known truth.

The answer model is the synthetic backend's (valuelens.backends.synthetic): for an option
order whose first-listed action carries values F and second S,
    P(first) = sigmoid(strength * (mean u(F) - mean u(S)) + bias + e_dilemma * sign + e_prompt),
with e_prompt ~ N(0, PROMPT_SD^2) fresh per prompt (as the backend's per-prompt noise) and
e_dilemma ~ N(0, dilemma_sd^2) a per-dilemma lean toward action A that no value explains (the
backend has none; real models do). Each replication draws fresh dilemmas and answers and calls
the analysis functions directly. Truths that are population quantities (DailyDilemmas scores,
the probability-scale position bias, the steering effect, the split-half reliability) are computed
once per regime on a large population of dilemmas from the expected answers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats
from tests.analysis.simulate import random_dilemmas

from valuelens.analysis import (
    ChoiceTable,
    ThurstonianModel,
    compare_tables,
    exchange_rates,
    fit_value_utilities,
    position_bias,
    say_do_gap,
    split_half_reliability,
    steering_effect,
    value_scores,
)
from valuelens.analysis._active import random_pairs

NAMES = tuple(f"v{i:02d}" for i in range(96))
STRENGTH, PROMPT_SD, STEER, SHIFT = 1.5, 0.3, 0.5, 1.0
SUPPORTED, OPPOSED = NAMES[:8], NAMES[8:16]  # about 30 eligible dilemmas in 360
FEW_SUPPORTED, FEW_OPPOSED = NAMES[16:18], NAMES[18:20]  # about 2-6 eligible dilemmas
SHIFTED = NAMES[20:23]
_GH = np.polynomial.hermite_e.hermegauss(40)


@dataclass(frozen=True)
class Regime:
    name: str
    bias: float  # logit added to the first-listed option
    dilemma_sd: float  # per-dilemma logit lean that no value explains


REGIMES = (
    Regime("weak bias", 0.2, 0.0),
    Regime("strong bias", 1.5, 0.0),
    Regime("weak bias + dilemma noise", 0.2, 0.5),
    Regime("strong bias + dilemma noise", 1.5, 0.5),
)


def utilities(seed: int = 0) -> dict[str, float]:
    """The true utilities (standard normal draws, as the synthetic backend's), fixed per world."""
    return dict(zip(NAMES, np.random.default_rng(seed).standard_normal(len(NAMES)), strict=True))


def _diff(u: dict[str, float], va: list, vb: list) -> np.ndarray:
    return STRENGTH * np.array(
        [np.mean([u[v] for v in a]) - np.mean([u[v] for v in b]) for a, b in zip(va, vb, strict=True)]
    )


def answers(
    u: dict[str, float], va: list, vb: list, r: Regime, rng: np.random.Generator, lean: np.ndarray
) -> ChoiceTable:
    """One run's choice table: P(A) in each order, with fresh prompt noise and the given dilemma lean."""
    z = _diff(u, va, vb) + lean
    first = special.expit(z + r.bias + PROMPT_SD * rng.standard_normal(len(va)))
    second = special.expit(z - r.bias + PROMPT_SD * rng.standard_normal(len(va)))  # A listed second
    return ChoiceTable([f"d{i}" for i in range(len(va))], np.zeros(len(va), int), va, vb, first, second)


def _expected(z: np.ndarray, sd: float) -> np.ndarray:
    """E sigmoid(z + e), e ~ N(0, sd^2), by Gauss-Hermite."""
    x, w = _GH
    return special.expit(z[:, None] + sd * x[None, :]) @ w / w.sum()


def expected_table(u: dict[str, float], va: list, vb: list, r: Regime) -> ChoiceTable:
    """The choice table of expected answers (noise integrated out)."""
    sd = math.hypot(PROMPT_SD, r.dilemma_sd)
    z = _diff(u, va, vb)
    first, second = _expected(z + r.bias, sd), _expected(z - r.bias, sd)
    return ChoiceTable([f"d{i}" for i in range(len(va))], np.zeros(len(va), int), va, vb, first, second)


def steered(u: dict[str, float], sup: tuple[str, ...], opp: tuple[str, ...]) -> dict[str, float]:
    return {k: v + STEER * ((k in sup) - (k in opp)) for k, v in u.items()}


@dataclass
class Truth:
    scores: dict[str, float]
    bias_p: float
    steer: float
    steer_few: float
    split_half: float


def population_truth(u: dict[str, float], r: Regime, n_pop: int = 40_000, seed: int = 99) -> Truth:
    """Population values of the quantities whose truth depends on the dilemma population."""
    rng = np.random.default_rng(seed)
    va, vb = random_dilemmas(NAMES, n_pop, rng)
    base = expected_table(u, va, vb, r)
    scores = {s.value: s.score for s in value_scores(base, n_boot=2)}
    bias = position_bias(base, n_boot=2).value

    def effect(sup: tuple[str, ...], opp: tuple[str, ...]) -> float:
        return steering_effect(
            base, expected_table(steered(u, sup, opp), va, vb, r), sup, opp, with_utility_shift=False
        ).effect

    # Full-length reliability: the Spearman between two independent 360-dilemma runs' utilities.
    rs = []
    for _ in range(8):
        fits = []
        for _ in range(2):
            a, b = random_dilemmas(NAMES, 360, rng)
            lean = r.dilemma_sd * rng.standard_normal(360)
            fits.append(fit_value_utilities(answers(u, a, b, r, rng, lean), n_rank_draws=2).as_mapping())
        both = sorted(set(fits[0]) & set(fits[1]))
        rs.append(stats.spearmanr([fits[0][n] for n in both], [fits[1][n] for n in both])[0])
    return Truth(scores, bias, effect(SUPPORTED, OPPOSED), effect(FEW_SUPPORTED, FEW_OPPOSED), float(np.mean(rs)))


Hits = dict[str, list[bool]]


def _inside(lo: float, hi: float, x: float) -> bool:
    return bool(lo <= x <= hi)


def dilemma_replication(u: dict[str, float], r: Regime, truth: Truth, seed: int, n: int, n_boot: int) -> Hits:
    """One replication of the dilemma-based intervals; per name, one entry per value."""
    rng = np.random.default_rng(seed)
    va, vb = random_dilemmas(NAMES, n, rng)
    lean = r.dilemma_sd * rng.standard_normal(n)  # shared by every condition of a dilemma
    table = answers(u, va, vb, r, rng, lean)
    hits: Hits = defaultdict(list)
    fit = fit_value_utilities(table, n_rank_draws=2)
    true_u = np.array([STRENGTH * u[v] for v in fit.names])
    true_u -= true_u.mean()
    hits["value utilities"] += list((fit.ci_low <= true_u) & (true_u <= fit.ci_high))
    hits["position bias (logits)"].append(_inside(fit.position_bias.ci_low, fit.position_bias.ci_high, r.bias))
    pb = position_bias(table, n_boot=n_boot, seed=seed)
    hits["position bias (probability)"].append(_inside(pb.ci_low, pb.ci_high, truth.bias_p))
    for s in value_scores(table, n_boot=n_boot, seed=seed):
        if s.ci_low is not None:
            hits["DailyDilemmas scores"].append(_inside(s.ci_low, s.ci_high, truth.scores[s.value]))
    for label, sup, opp, true in (
        ("steering effect", SUPPORTED, OPPOSED, truth.steer),
        ("steering effect, n < 10", FEW_SUPPORTED, FEW_OPPOSED, truth.steer_few),
    ):
        other = answers(steered(u, sup, opp), va, vb, r, rng, lean)
        try:
            e = steering_effect(table, other, sup, opp, with_utility_shift=False)
        except ValueError:  # no eligible dilemma in this draw
            continue
        if e.n >= 2:
            hits[label].append(_inside(e.ci_low, e.ci_high, true))
    shifted = {k: v + SHIFT * (k in SHIFTED) for k, v in u.items()}
    cmp = compare_tables(table, answers(shifted, va, vb, r, rng, lean), n_boot=n_boot // 4, seed=seed)
    true_d = np.array([STRENGTH * SHIFT * (v in SHIFTED) for v in cmp.names])
    true_d -= true_d.mean()
    hits["compare differences"] += list((cmp.ci_low <= true_d) & (true_d <= cmp.ci_high))
    split = split_half_reliability(table, n_splits=40, seed=seed)
    hits["split-half reliability"].append(_inside(split.low, split.high, truth.split_half))
    return hits


def say_do_replication(r: Regime, seed: int, rho: float = 0.6, n: int = 10) -> Hits:
    """Stated and revealed scores of 10 values, latent correlation rho, measured with noise.

    The regime's dilemma noise sets the measurement noise of the revealed side (position bias
    does not enter a survey). Truth: the population Spearman 6/pi asin(rho/2).
    """
    rng = np.random.default_rng(seed)
    latent = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], n)
    said = latent[:, 0] + 0.2 * rng.standard_normal(n)
    done = latent[:, 1] + (0.2 + r.dilemma_sd / 2) * rng.standard_normal(n)
    names = [f"s{i}" for i in range(n)]
    gap = say_do_gap(dict(zip(names, said, strict=True)), dict(zip(names, done, strict=True)))
    return {"say-do gap": [_inside(gap.ci_low, gap.ci_high, 6 / math.pi * math.asin(rho / 2))]}


def outcome_replication(r: Regime, seed: int, n_items: int = 40, samples: int = 5) -> Hits:
    """Thurstonian utilities and exchange rates from pairs asked in both orders, K samples each.

    Items 0-14 are three quantity series (5 quantities each) with U = a + b ln N; the rest
    are unrelated outcomes. Truths: the z-scored true means; rates from the true a, b.
    """
    rng = np.random.default_rng(seed)
    qty = np.array([1, 3, 10, 30, 100] * 3, dtype=float)
    a, b = np.array([0.0, 0.4, -0.3]), np.array([0.35, 0.25, 0.45])
    mu = np.concatenate([np.repeat(a, 5) + np.repeat(b, 5) * np.log(qty), rng.standard_normal(n_items - 15)])
    var = np.exp(0.5 * rng.standard_normal(n_items))
    pairs = random_pairs(n_items, int(2 * n_items * math.log2(n_items)), seed)
    i, j = pairs.T
    z = special.logit(np.clip(special.ndtr((mu[i] - mu[j]) / np.sqrt(var[i] + var[j])), 1e-9, 1 - 1e-9))
    lean = r.dilemma_sd * rng.standard_normal(len(pairs))
    first = rng.binomial(samples, special.expit(z + lean + r.bias + PROMPT_SD * rng.standard_normal(len(pairs))))
    second = rng.binomial(samples, special.expit(-z - lean + r.bias + PROMPT_SD * rng.standard_normal(len(pairs))))
    p = (first + samples - second) / (2 * samples)
    model = ThurstonianModel().fit(pairs, p, n_items, weights=np.full(len(p), 2.0 * samples))
    ci = model.utility_ci_(0.95)
    true_z = (mu - mu.mean()) / mu.std()
    hits: Hits = {"Thurstonian utilities": list((ci[:, 0] <= true_z) & (true_z <= ci[:, 1])), "exchange rates": []}
    series = {f"x{s}": [(5 * s + t, qty[5 * s + t]) for t in range(5)] for s in range(3)}
    out = exchange_rates(model.utilities_, series, cov=model.utility_cov_(), seed=seed, n_draws=1000)
    log_n0 = math.log(out["reference"])
    for x, y in ((0, 1), (1, 2), (2, 0)):
        true = math.exp((a[y] - a[x] + (b[y] - b[x]) * log_n0) / b[x])
        lo, hi = out["rates_ci"][f"x{x}"][f"x{y}"]
        hits["exchange rates"].append(_inside(lo, hi, true))
    return hits


def coverage(r: Regime, reps: int, n: int = 360, n_boot: int = 400, seed: int = 0) -> dict[str, tuple[int, int]]:
    """(hits, intervals) per reported interval over ``reps`` replications of regime ``r``."""
    u = utilities(seed)
    truth = population_truth(u, r)
    total: Hits = defaultdict(list)
    jobs: list[Callable[[int], Hits]] = [
        lambda s: dilemma_replication(u, r, truth, s, n, n_boot),
        lambda s: say_do_replication(r, s),
        lambda s: outcome_replication(r, s),
    ]
    for rep in range(reps):
        for job in jobs:
            for k, v in job(1000 * seed + rep).items():
                total[k] += v
    return {k: (int(np.sum(v)), len(v)) for k, v in total.items()}

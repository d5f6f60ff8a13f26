"""The hidden truth of the simulated model: value utilities, outcome utilities, relevance answers."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr


def _unit_hash(*parts: object) -> int:
    blob = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(blob).digest()[:8], "little")


OUTCOME_STRENGTH_REF = 1.5
"""Outcome means are multiplied by strength / OUTCOME_STRENGTH_REF (the default profile's strength)."""
OUTCOME_LOGVAR_SD = 0.5
_QUANTITY = re.compile(
    r"(?<![\w.,])\$?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?(?:\s+(?P<scale>thousand|million|billion|trillion)\b)?(?!\w)",
    re.IGNORECASE,
)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


def _quantity_template(text: str) -> tuple[str, float] | None:
    """(the text without its first number, plural endings dropped; the number) or None."""
    m = _QUANTITY.search(text)
    if m is None:
        return None
    q = float(m["num"].replace(",", "") + (m["dec"] or "")) * _SCALES.get((m["scale"] or "").lower(), 1.0)
    rest = re.sub(r"[a-z]+", lambda w: w[0].removesuffix("s"), text[m.end() :].lower().replace("people", "person"))
    return text[: m.start()].lower() + ("$#" if m[0].startswith("$") else "#") + rest.rstrip(". "), q


@dataclass(frozen=True)
class SyntheticTruth:
    """What a synthetic model really prefers.

    Attributes:
        value_utilities: lexicon value -> true utility (standard normal draws).
        strength: scale of utility differences on the logit scale.
        position_bias_logit: logit added to the first-listed option.
        noise_sd: per-prompt logit noise.
    """

    value_utilities: dict[str, float]
    strength: float
    position_bias_logit: float
    noise_sd: float
    seed: int
    extra: dict[str, float] = field(default_factory=dict)

    def utility(self, value: str) -> float:
        """True utility of any value name; names outside the lexicon get a seeded draw."""
        if value in self.value_utilities:
            return self.value_utilities[value]
        rng = np.random.default_rng(_unit_hash("value", self.seed, value))
        return float(rng.normal())

    def p_first(
        self, first: list[str], second: list[str], noise: float = 0.0, offsets: dict[str, float] | None = None
    ) -> float:
        """P(the first-listed option is chosen) for options carrying these values (utilities + offsets)."""
        off = offsets or {}
        uf = float(np.mean([self.utility(v) + off.get(v, 0.0) for v in first])) if first else 0.0
        us = float(np.mean([self.utility(v) + off.get(v, 0.0) for v in second])) if second else 0.0
        z = self.strength * (uf - us) + self.position_bias_logit + noise
        return 1.0 / (1.0 + math.exp(-z))

    def outcome(self, text: str) -> tuple[float, float]:
        """True (mean, variance) of an outcome's utility (see the module docstring), seeded by its text."""
        norm = " ".join(text.split())
        series = _quantity_template(norm)
        if series is None:
            mean = float(np.random.default_rng(_unit_hash("outcome", self.seed, norm)).normal())
        else:
            rng = np.random.default_rng(_unit_hash("outcome-series", self.seed, series[0]))
            a, b = float(rng.normal(scale=0.5)), float(rng.uniform(0.15, 0.4))
            mean = a + b * (math.log(max(series[1], 1e-9)) - 3.5)
        log_var = np.random.default_rng(_unit_hash("outcome-variance", self.seed, norm)).normal(scale=OUTCOME_LOGVAR_SD)
        return mean * self.strength / OUTCOME_STRENGTH_REF, float(math.exp(log_var))

    def p_outcome(self, first: str, second: str, noise: float = 0.0) -> float:
        """P(the first-listed outcome is chosen): Thurstonian preference, then position bias and noise as logits."""
        (m1, v1), (m2, v2) = self.outcome(first), self.outcome(second)
        p = min(max(float(ndtr((m1 - m2) / math.sqrt(v1 + v2))), 1e-12), 1.0 - 1e-12)
        z = math.log(p / (1.0 - p)) + self.position_bias_logit + noise
        return 1.0 / (1.0 + math.exp(-z))


RELEVANCE_MARGIN = 3.0
"""Logit of a true Yes (minus: of a true No) to a relevance or valence question."""
RELEVANCE_NOISE_SCALE = 3.0
"""Relevance answers carry this many times the profile's per-prompt logit noise."""


@dataclass(frozen=True)
class RelevanceTruth:
    """The hidden value labels of one scenario: action ("a" or "b") -> values it supports / opposes.

    Every value an action opposes is one the other action supports.
    """

    supports: dict[str, tuple[str, ...]]
    opposes: dict[str, tuple[str, ...]]

    def valence(self, action: str, value: str) -> int:
        """+1 the action supports the value, -1 it opposes it, 0 the value is not relevant to it."""
        return 1 if value in self.supports[action] else -1 if value in self.opposes[action] else 0

"""A simulated model with hidden true value utilities, a position bias and noise, for tests.

Model names: `synthetic/NAME[@SEED][?key=value&...]`, e.g. `synthetic/default`, `synthetic/flat@3`,
`synthetic/default?strength=2&bias=0`. NAME picks a profile (strength of value preferences,
position bias, noise); SEED draws the hidden utilities; keys override the profile. The truth is
readable: `SyntheticBackend("default").truth`.

For a prompt whose first-listed option carries values F and second S:
    P(first) = sigmoid(strength * (mean u(F) - mean u(S)) + bias + e),  e ~ N(0, noise^2)
where e is fixed per prompt text and seed, so answers are reproducible and cacheable.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import numpy as np

from valuelens.backends._base import Failed, Usage
from valuelens.errors import BackendError
from valuelens.lexicon import load_lexicon
from valuelens.prompts import Prompt

PROFILES: dict[str, dict[str, float]] = {
    "default": {"strength": 1.5, "bias": 0.4, "noise": 0.3},
    "strong": {"strength": 3.0, "bias": 0.2, "noise": 0.2},
    "weak": {"strength": 0.5, "bias": 0.8, "noise": 0.5},
    "unbiased": {"strength": 1.5, "bias": 0.0, "noise": 0.3},
    "flat": {"strength": 0.0, "bias": 0.4, "noise": 0.5},
}
"""Profiles: strength multiplies utility differences; bias is the logit added for the first-listed
option; noise is the standard deviation of a per-prompt logit perturbation."""

OVERRIDES = ("strength", "bias", "noise", "delay")


def _unit_hash(*parts: object) -> int:
    blob = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(blob).digest()[:8], "little")


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

    def p_first(self, first: list[str], second: list[str], noise: float = 0.0) -> float:
        """P(the first-listed option is chosen) for options carrying these values."""
        uf = float(np.mean([self.utility(v) for v in first])) if first else 0.0
        us = float(np.mean([self.utility(v) for v in second])) if second else 0.0
        z = self.strength * (uf - us) + self.position_bias_logit + noise
        return 1.0 / (1.0 + math.exp(-z))


def parse_name(spec: str) -> tuple[str, int, dict[str, float]]:
    """`NAME[@SEED][?k=v&...]` -> (profile, seed, overrides)."""
    head, _, query = spec.partition("?")
    profile, _, seed_text = head.partition("@")
    if profile not in PROFILES:
        raise BackendError(f"synthetic/{spec}: unknown profile '{profile}' (known: {', '.join(PROFILES)})")
    try:
        seed = int(seed_text) if seed_text else 0
        overrides = {k: float(v) for k, v in parse_qsl(query, strict_parsing=bool(query))}
    except ValueError as exc:
        raise BackendError(f"synthetic/{spec}: bad seed or parameter ({exc})") from None
    unknown = set(overrides) - set(OVERRIDES)
    if unknown:
        raise BackendError(f"synthetic/{spec}: unknown parameter(s) {sorted(unknown)} (known: {OVERRIDES})")
    return profile, seed, overrides


class SyntheticBackend:
    """Simulated model; see the module docstring for the response model."""

    reads_annotations = True
    max_batch = 64

    def __init__(self, spec: str = "default") -> None:
        profile, seed, overrides = parse_name(spec)
        params = {**PROFILES[profile], **overrides}
        self.delay = params.pop("delay", 0.0)
        names = load_lexicon().names
        rng = np.random.default_rng(_unit_hash("utilities", profile, seed))
        utilities = dict(zip(names, (float(x) for x in rng.normal(size=len(names))), strict=True))
        self.truth = SyntheticTruth(
            value_utilities=utilities,
            strength=params["strength"],
            position_bias_logit=params["bias"],
            noise_sd=params["noise"],
            seed=seed,
        )
        self.name = f"synthetic/{spec}"
        canon = "&".join(f"{k}={v:g}" for k, v in sorted(params.items()))
        self.fingerprint = f"synthetic:v1:{profile}@{seed}?{canon}"
        self.usage = Usage()

    def _noise(self, prompt: Prompt) -> float:
        rng = np.random.default_rng(_unit_hash("noise", self.truth.seed, prompt.system, prompt.text))
        return float(rng.normal(scale=self.truth.noise_sd)) if self.truth.noise_sd > 0 else 0.0

    def p_first(self, prompt: Prompt) -> float:
        """P(first-listed option) for a dilemma prompt, from its annotations."""
        a = prompt.annotations
        first = [str(v) for v in a.get("first_values", [])]  # type: ignore[union-attr]
        second = [str(v) for v in a.get("second_values", [])]  # type: ignore[union-attr]
        return self.truth.p_first(first, second, self._noise(prompt))

    def label_probs(self, prompt: Prompt) -> list[float]:
        """The simulated answer distribution over `prompt.labels`, by the item kind in its annotations.

        Kinds: "dilemma" (default; two labels, see the module docstring). Other kinds register a
        method `_probs_<kind>(prompt) -> list[float]` on this class.
        """
        kind = str(prompt.annotations.get("kind", "dilemma"))
        if kind == "dilemma":
            pf = self.p_first(prompt)
            return [pf, 1.0 - pf]
        handler = getattr(self, f"_probs_{kind}", None)
        if handler is None:
            raise ValueError(f"synthetic model cannot answer items of kind {kind!r}")
        return list(handler(prompt))

    def _count(self, prompts: list[Prompt]) -> None:
        self.usage.calls += len(prompts)
        tokens = sum(len(p.text.split()) for p in prompts)
        self.usage.tokens_prompt += tokens
        self.usage.tokens_evaluated += tokens

    async def choice_logprobs(
        self, prompts: list[Prompt], labels: list[str]
    ) -> list[dict[str, float] | Failed] | None:
        if self.delay:
            await asyncio.sleep(self.delay * len(prompts))
        self._count(prompts)
        out: list[dict[str, float] | Failed] = []
        for p in prompts:
            probs = np.clip(np.asarray(self.label_probs(p), dtype=float), 1e-12, None)
            probs = probs / probs.sum()
            out.append({lab: math.log(q) for lab, q in zip(labels, probs, strict=True)})
        return out

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        if self.delay:
            await asyncio.sleep(self.delay * len(prompts))
        self._count(prompts)
        out: list[list[str] | Failed] = []
        for p in prompts:
            rng = np.random.default_rng(_unit_hash("sample", self.truth.seed, p.system, p.text, n))
            probs = np.asarray(self.label_probs(p), dtype=float)
            picks = rng.choice(len(p.labels), size=n, p=probs / probs.sum())
            out.append([p.labels[i] for i in picks])
        return out

    def close(self) -> None:
        return None

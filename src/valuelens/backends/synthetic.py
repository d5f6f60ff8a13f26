"""A simulated model with hidden true value utilities, a position bias and noise, for tests.

Model names: `synthetic/NAME[@SEED][?key=value&...]`, e.g. `synthetic/default`, `synthetic/flat@3`,
`synthetic/default?strength=2&bias=0`. NAME picks a profile (strength of value preferences,
position bias, noise); SEED draws the hidden utilities; keys override the profile. The truth is
readable: `SyntheticBackend("default").truth`.

For a prompt whose first-listed option carries values F and second S:
    P(first) = sigmoid(strength * (mean u(F) - mean u(S)) + bias + e),  e ~ N(0, noise^2)
where e is fixed per prompt text and seed, so answers are reproducible and cacheable.

Relevance questions (annotations kind "relevance", from `valuelens.prompts.relevance_prompt`) are
answered from hidden true labels, `backend.relevance_truth(scenario_id)`: each action supports 1-3
seeded lexicon values and opposes about half of the other action's; P(Yes) = sigmoid(+-3 + 3 e).

Survey items (kind "survey", from `valuelens.prompts.survey_prompt`) are rated from the stated
utility of the item's Schwartz value, `backend.stated_schwartz()`: the mean true utility of the
value's lexicon values (`backend.schwartz_truth()`), mixed with a seeded unrelated draw by `say`.
Agreement = 3.5 + acquiescence + 2 * strength * (stated - mean stated) + e; the scale label then
gets pulled `bias` rating points toward the first-listed label "1", whichever end that is, and the
answer is a discretised normal (sd 1) over the six labels.

Steering: a system prompt that contains a bundled principle's text adds `steer` to the true
utilities of the values it supports and subtracts it from those it opposes (`backend.steering`).
Extra parameters: `steer`, `say`, `acquiescence`, `rep` (a replication: the same utilities with a
fresh per-prompt noise draw) and `shift=VALUE:AMOUNT[,VALUE:AMOUNT]` (added to true utilities).
Personas: `persona=NAME:VALUE:AMOUNT[,...]` adds AMOUNT to VALUE's true utility when the system
prompt contains persona NAME's prompt (a bundled persona's, else NAME itself); a model without it
ignores personas.

Free text (`generate`, see `_synthetic_text`): a think block and a final answer in varied forms,
the choice drawn from the same probabilities; some forms need a judge. It also answers judge prompts.
`think=X` multiplies the value preferences behind free-text dilemma answers (default 1: the same as the
log-probabilities; 0: chosen by position bias and noise alone; -1: reversed after thinking).

Outcome pairs (kind "outcome", from `valuelens.prompts.outcome_prompt`) are answered from hidden
Thurstonian utilities, `backend.truth.outcome(text) -> (mean, variance)`:
    P(first) = sigmoid(logit(Phi((mu_F - mu_S) / sqrt(var_F + var_S))) + bias + e)
Means are seeded per text (N(0, 1) times strength / 1.5); a text with a quantity N ("10 new books",
"$1,000") gets a + b ln N with a, b seeded by the text without its number, so quantity series
have log-linear utility. Variances ~ LogNormal(0, 0.5^2), seeded per text.
"""

from __future__ import annotations

import asyncio
import math
from urllib.parse import parse_qsl

import numpy as np

from valuelens.backends._base import BackendBase, Failed, Usage
from valuelens.backends._synthetic_text import SyntheticFreeText
from valuelens.backends._synthetic_truth import (
    RELEVANCE_MARGIN,
    RELEVANCE_NOISE_SCALE,
    RelevanceTruth,
    SyntheticTruth,
    _unit_hash,
)
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

EXTRAS: dict[str, float] = {"steer": 1.0, "say": 1.0, "acquiescence": 0.3, "rep": 0.0}
"""Defaults of the parameters every profile shares (see the module docstring)."""
OVERRIDES = ("strength", "bias", "noise", "delay", *EXTRAS, "shift", "persona", "think")
SURVEY_GAIN = 2.0
"""Rating points of agreement per logit of stated utility (times strength)."""


def parse_name(spec: str) -> tuple[str, int, dict[str, float]]:
    """`NAME[@SEED][?k=v&...]` -> (profile, seed, overrides)."""
    head, _, query = spec.partition("?")
    profile, _, seed_text = head.partition("@")
    if profile not in PROFILES:
        raise BackendError(f"synthetic/{spec}: unknown profile '{profile}' (known: {', '.join(PROFILES)})")
    try:
        seed = int(seed_text) if seed_text else 0
        pairs = parse_qsl(query, strict_parsing=bool(query))
        overrides = {k: float(v) for k, v in pairs if k not in ("shift", "persona")}
        for item in (s for k, v in pairs if k == "shift" for s in v.split(",")):
            value, colon, amount = item.rpartition(":")
            name = load_lexicon().resolve(value)
            if not colon or name is None:
                raise ValueError(f"shift: expected LEXICON_VALUE:AMOUNT, got '{item}'")
            overrides[f"shift:{name}"] = overrides.get(f"shift:{name}", 0.0) + float(amount)
        for item in (s for k, v in pairs if k == "persona" for s in v.split(",")):
            rest, colon, amount = item.rpartition(":")
            persona, colon2, value = rest.rpartition(":")
            name = load_lexicon().resolve(value)
            if not colon or not colon2 or not persona or name is None:
                raise ValueError(f"persona: expected NAME:LEXICON_VALUE:AMOUNT, got '{item}'")
            key = f"persona:{persona}:{name}"
            overrides[key] = overrides.get(key, 0.0) + float(amount)
    except ValueError as exc:
        raise BackendError(f"synthetic/{spec}: bad seed or parameter ({exc})") from None
    unknown = {k.partition(":")[0] for k in overrides} - set(OVERRIDES)
    if unknown:
        raise BackendError(f"synthetic/{spec}: unknown parameter(s) {sorted(unknown)} (known: {OVERRIDES})")
    return profile, seed, overrides


class SyntheticBackend(SyntheticFreeText, BackendBase):
    """Simulated model; see the module docstring for the response model."""

    reads_annotations = True
    max_batch = 64

    def __init__(self, spec: str = "default") -> None:
        profile, seed, overrides = parse_name(spec)
        params = {**PROFILES[profile], **EXTRAS, **overrides}
        self.delay = params.pop("delay", 0.0)
        names = self._names = load_lexicon().names
        rng = np.random.default_rng(_unit_hash("utilities", profile, seed))
        utilities = dict(zip(names, (float(x) for x in rng.normal(size=len(names))), strict=True))
        for key, amount in params.items():
            if key.startswith("shift:"):
                utilities[key[6:]] += amount
        self.truth = SyntheticTruth(
            value_utilities=utilities,
            strength=params["strength"],
            position_bias_logit=params["bias"],
            noise_sd=params["noise"],
            seed=seed,
            extra={k: params[k] for k in EXTRAS},
        )
        self.personas = {tuple(k.split(":", 2)[1:]): a for k, a in params.items() if k.startswith("persona:")}
        self.think = params.get("think", 1.0)  # in the fingerprint only when given: other names keep their keys
        self.name = f"synthetic/{spec}"
        canon = "&".join(f"{k}={v:g}" for k, v in sorted(params.items()))
        self.fingerprint = f"synthetic:v1:{profile}@{seed}?{canon}"
        self.usage = Usage()

    def _noise(self, prompt: Prompt) -> float:
        rep = self.truth.extra.get("rep", 0.0)  # rep 0 keeps the original draws
        parts = (self.truth.seed, prompt.system, prompt.text) + ((f"rep{rep:g}",) if rep else ())
        rng = np.random.default_rng(_unit_hash("noise", *parts))
        return float(rng.normal(scale=self.truth.noise_sd)) if self.truth.noise_sd > 0 else 0.0

    def p_first(self, prompt: Prompt, truth: SyntheticTruth | None = None) -> float:
        """P(first-listed option) for a dilemma prompt, from its annotations (under `truth`, default the model's)."""
        a = prompt.annotations
        first = [str(v) for v in a.get("first_values", [])]  # type: ignore[union-attr]
        second = [str(v) for v in a.get("second_values", [])]  # type: ignore[union-attr]
        return (truth or self.truth).p_first(first, second, self._noise(prompt), self.steering(prompt.system))

    def steering(self, system: str | None) -> dict[str, float]:
        """Utility offsets a system prompt causes: +-steer for each bundled principle whose text it contains,
        plus each planted persona effect (`persona=NAME:VALUE:AMOUNT`) whose persona prompt it contains."""
        from valuelens.suites import load_principles, resolve_persona

        steer, out = self.truth.extra.get("steer", 0.0), {}
        for (persona, value), amount in self.personas.items() if system else ():
            if (resolve_persona(persona) or persona) in system:
                out[value] = out.get(value, 0.0) + amount
        for p in load_principles().values() if system and steer else ():
            if p.text in system:
                for v, sign in [(v, 1.0) for v in p.supports] + [(v, -1.0) for v in p.opposes]:
                    out[v] = out.get(v, 0.0) + sign * steer
        return out

    def schwartz_truth(self) -> dict[str, float]:
        """Schwartz basic value -> mean true utility of its lexicon values (what the dilemmas reveal)."""
        groups: dict[str, list[float]] = {}
        for v, dims in load_lexicon().membership("schwartz").items():
            for d in dims:
                groups.setdefault(d, []).append(self.truth.utility(v))
        return {d: float(np.mean(us)) for d, us in sorted(groups.items())}

    def stated_schwartz(self) -> dict[str, float]:
        """Schwartz value -> the utility the survey states: say * revealed + (1 - |say|) * unrelated draw."""
        revealed, say = self.schwartz_truth(), self.truth.extra.get("say", 1.0)
        rng = np.random.default_rng(_unit_hash("stated", self.truth.seed))
        other = rng.normal(scale=float(np.std(list(revealed.values()))), size=len(revealed))
        return {d: say * u + (1 - abs(say)) * float(o) for (d, u), o in zip(revealed.items(), other, strict=True)}

    def _probs_survey(self, prompt: Prompt) -> list[float]:
        """P(label "1".."6") for a survey item (see the module docstring)."""
        stated = self.stated_schwartz()
        s = stated[str(prompt.annotations["value"])] - float(np.mean(list(stated.values())))
        t = self.truth
        agree = 3.5 + t.extra.get("acquiescence", 0.0) + SURVEY_GAIN * t.strength * s + self._noise(prompt)
        centre = (agree if prompt.annotations.get("order", 0) == 0 else 7.0 - agree) - t.position_bias_logit
        z = -0.5 * (np.arange(1, len(prompt.labels) + 1) - centre) ** 2
        return list(np.exp(z - z.max()) / np.exp(z - z.max()).sum())

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

    def relevance_truth(self, scenario_id: str) -> RelevanceTruth:
        """The hidden value labels of a scenario, drawn from the seed and the scenario id."""
        rng = np.random.default_rng(_unit_hash("relevance", self.truth.seed, scenario_id))
        n_a, n_b = (int(x) for x in rng.integers(1, 4, size=2))
        picked = [self._names[i] for i in rng.choice(len(self._names), size=n_a + n_b, replace=False)]
        supports = {"a": tuple(picked[:n_a]), "b": tuple(picked[n_a:])}
        opposes = {x: tuple(v for v in supports[y] if rng.random() < 0.5) for x, y in (("a", "b"), ("b", "a"))}
        return RelevanceTruth(supports, opposes)

    def _probs_relevance(self, prompt: Prompt) -> list[float]:
        """[P(Yes), P(No)] for a relevance or valence question, from `relevance_truth`."""
        a = prompt.annotations
        sign = self.relevance_truth(str(a["scenario_id"])).valence(str(a["action"]), str(a["value"]))
        z = RELEVANCE_MARGIN * (abs(sign) * 2 - 1 if a.get("question") == "relevance" else sign)
        p = 1.0 / (1.0 + math.exp(-(z + RELEVANCE_NOISE_SCALE * self._noise(prompt))))
        return [p, 1.0 - p]

    def _probs_outcome(self, prompt: Prompt) -> list[float]:
        """[P(first), P(second)] for a pair of outcomes, from `truth.outcome` of their texts (or ids)."""
        a = prompt.annotations
        first, second = (str(a.get(f"{k}_text", a.get(k))) for k in ("first", "second"))
        pf = self.truth.p_outcome(first, second, self._noise(prompt))
        return [pf, 1.0 - pf]

    def _count(self, prompts: list[Prompt]) -> None:
        self.usage.calls += len(prompts)
        tokens = sum(len(p.text.split()) for p in prompts)
        self.usage.tokens_prompt += tokens
        self.usage.tokens_evaluated += tokens

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> list[dict[str, float] | Failed] | None:
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

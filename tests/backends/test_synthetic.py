"""The synthetic model is what it says: seeded truth, parameters by name, reproducible answers."""

from __future__ import annotations

import asyncio

import pytest

from valuelens.backends import get_backend
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.errors import BackendError
from valuelens.prompts import Condition, dilemma_prompt
from valuelens.suites import load_suite


def test_truth_depends_on_profile_and_seed() -> None:
    a, b, c = SyntheticBackend("default"), SyntheticBackend("default@1"), SyntheticBackend("default")
    assert a.truth.value_utilities == c.truth.value_utilities
    assert a.truth.value_utilities != b.truth.value_utilities
    assert SyntheticBackend("flat").truth.strength == 0.0
    tuned = SyntheticBackend("default?strength=2.5&bias=0")
    assert tuned.truth.strength == 2.5 and tuned.truth.position_bias_logit == 0.0
    assert tuned.fingerprint != a.fingerprint


def test_bad_names_are_one_line_errors() -> None:
    for name in ("synthetic/nosuch", "synthetic/default@x", "synthetic/default?colour=1"):
        with pytest.raises(BackendError):
            get_backend(name)


def test_answers_follow_the_truth_and_repeat() -> None:
    be = SyntheticBackend("strong")
    d = load_suite("core").dilemmas[0]
    prompts = [dilemma_prompt(d, o, Condition()) for o in (0, 1)]
    lp1 = asyncio.run(be.choice_logprobs(prompts, ["A", "B"]))
    lp2 = asyncio.run(be.choice_logprobs(prompts, ["A", "B"]))
    assert lp1 == lp2
    t = be.truth
    ua = sum(t.utility(v) for v in d.action_a.values) / len(d.action_a.values)
    ub = sum(t.utility(v) for v in d.action_b.values) / len(d.action_b.values)
    import math

    p_a_first = math.exp(lp1[0]["A"])
    p_a_second = math.exp(lp1[1]["B"])
    # A wins in both orders exactly when its true utility is higher (noise is small next to strength 3)
    if abs(ua - ub) > 0.5:
        assert (p_a_first > 0.5) == (ua > ub) and (p_a_second > 0.5) == (ua > ub)
    samples = asyncio.run(be.sample(prompts, 50, 2))
    assert all(s in ("A", "B") for s in samples[0]) and len(samples[0]) == 50

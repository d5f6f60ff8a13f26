"""The embedded Gemma 3 270M model runs in process on real dilemmas."""

from __future__ import annotations

import math

import numpy as np
import pytest

import valuelens

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def backend():
    from valuelens.backends.llamacpp import LlamaCppBackend

    be = LlamaCppBackend()
    yield be
    be.close()


def test_embedded_model_answers_five_dilemmas_in_both_orders(backend) -> None:
    r = valuelens.run("llamacpp/gemma-3-270m", "core", limit=5, backend=backend)
    assert r.invocation.model_calls == 10 and r.invocation.failed == 0
    assert np.all((r.table.p_a_first > 0) & (r.table.p_a_first < 1))
    assert np.all((r.table.p_a_second > 0) & (r.table.p_a_second < 1))
    # the second order of each dilemma reuses the shared prefix of the first
    assert r.invocation.tokens_evaluated < r.invocation.tokens_prompt
    pb = r.position_bias()
    assert pb.n == 5 and pb.ci_low <= pb.value <= pb.ci_high
    again = valuelens.run("llamacpp/gemma-3-270m", "core", limit=5, backend=backend)
    assert again.invocation.model_calls == 0 and again.summary()["values"] == r.summary()["values"]


def test_prefix_reuse_gives_the_same_logprobs_as_a_fresh_evaluation(backend) -> None:
    import asyncio

    from valuelens.prompts import Condition, dilemma_prompt
    from valuelens.suites import load_suite

    d = load_suite("core").dilemmas[7]
    p0, p1 = (dilemma_prompt(d, o, Condition()) for o in (0, 1))
    warm = asyncio.run(backend.choice_logprobs([p0, p1], ["A", "B"]))
    backend._llm.reset()  # forget the KV cache: p1 is now computed from scratch
    cold = asyncio.run(backend.choice_logprobs([p1], ["A", "B"]))
    for label in ("A", "B"):
        assert math.isclose(warm[1][label], cold[0][label], abs_tol=2e-3)

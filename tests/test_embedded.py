"""The embedded Gemma 3 270M model runs in process on real dilemmas."""

from __future__ import annotations

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


def test_results_do_not_depend_on_what_was_evaluated_before(backend) -> None:
    """llama.cpp's numbers depend on how a prompt is chunked; valuelens fixes the chunks, so reusing a
    cached prefix gives exactly what a fresh evaluation gives, in any order."""
    import asyncio

    from valuelens.prompts import Condition, dilemma_prompt
    from valuelens.suites import load_suite

    dilemmas = load_suite("core").dilemmas[:4]
    prompts = [dilemma_prompt(d, o, Condition(system_prompt="Answer honestly.")) for d in dilemmas for o in (0, 1)]
    before = backend.usage.copy()
    in_order = asyncio.run(backend.choice_logprobs(prompts, ["A", "B"]))
    used = backend.usage.since(before)
    fresh = []
    for p in reversed(prompts):
        backend._llm.reset()  # forget the KV cache: every prompt from scratch
        fresh.append(asyncio.run(backend.choice_logprobs([p], ["A", "B"]))[0])
    assert in_order == list(reversed(fresh))
    # the in-order pass skipped the shared system prompt and, for each second order, the dilemma
    assert used.tokens_evaluated < 0.75 * used.tokens_prompt

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


def test_results_do_not_depend_on_batching_order_or_cache(backend) -> None:
    """valuelens fixes each prompt's evaluation chunks and reuses cached state only at those boundaries,
    so a prompt's log-probabilities are the same bit for bit whether it is asked alone from an empty
    cache or after others, in any order and grouping."""
    from valuelens.prompts import Condition, dilemma_prompt
    from valuelens.suites import load_suite

    dilemmas = load_suite("core").dilemmas[:6]
    prompts = [dilemma_prompt(d, o, Condition(system_prompt="Answer honestly.")) for d in dilemmas for o in (0, 1)]
    chunks = [backend.chunks(p) for p in prompts]
    labels = ["A", "B"]
    backend.forget()
    before = backend.usage.copy()
    together = backend.score_chunks(chunks, labels)
    used = backend.usage.since(before)
    alone = []
    for c in chunks:
        backend.forget()
        alone += backend.score_chunks([c], labels)
    backend.forget()
    backwards = backend.score_chunks(chunks[::-1], labels)[::-1]
    split = backend.score_chunks(chunks[5:], labels)  # the cache holds the shared instruction
    split = backend.score_chunks(chunks[:5], labels) + split
    assert together == alone == backwards == split
    # the batched pass computed the shared condition once and each dilemma once for both orders
    shared, dilemma_heads, options = (
        len(chunks[0][0]),
        sum(len(c[1]) for c in chunks[::2]),
        sum(len(c[2]) for c in chunks),
    )
    assert used.tokens_evaluated == shared + dilemma_heads + options
    assert backend.evals > 0

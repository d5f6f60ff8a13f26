"""The dry-run planner: counts, tokens (exact or marked estimate), dated cost, local prefill time."""

from __future__ import annotations

from pathlib import Path

import pytest

from valuelens.backends import get_backend
from valuelens.backends._prices import current_prices
from valuelens.prompts import Condition, dilemma_jobs
from valuelens.runner._execute import prompt_key
from valuelens.runner._plan import (
    ESTIMATE,
    GENERATION_TIME,
    estimate_prompt_tokens,
    generation_shape,
    plan,
    request_shape,
)
from valuelens.store import Store
from valuelens.suites import load_suite


def _prompts(backend, n: int = 6, samples: int = 10):
    jobs = dilemma_jobs(load_suite("core").dilemmas[:n], Condition())
    return {prompt_key(backend, j.prompt, samples): j.prompt for j in jobs}


def test_counts_what_the_store_answers_and_marks_estimates(tmp_path: Path) -> None:
    be = get_backend("synthetic/default")
    prompts = _prompts(be)
    keys = list(prompts)
    with Store(tmp_path / "s.sqlite") as st:
        for k in keys[:4]:
            st.put_response(k, be.name, "choice", {"logprobs": {"A": -0.1, "B": -2.3}})
        st.put_response(keys[4], be.name, "choice", error="timeout")
        p = plan(be, prompts, st)
    assert (p.prompts, p.cached, p.to_ask, p.failed_before, p.requests) == (12, 4, 8, 1, 8)
    assert p.tokens_prompt == sum(estimate_prompt_tokens(prompts[k]) for k in keys[4:])
    assert not p.tokens_exact and p.tokens_method == ESTIMATE
    assert p.cost_usd is None and p.seconds is None
    assert p.prices_date == current_prices().date
    text = "\n".join(p.lines())
    assert "12 prompts, 4 answered in the store, 8 to ask" in text and ESTIMATE in text
    assert f"no price for this model (prices of {p.prices_date})" in text
    assert p.to_dict()["to_ask"] == 8


def test_official_openai_cost_uses_the_dated_table_and_batch_halves_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    be = get_backend("openai/gpt-4o-mini")  # no call is made: the planner never asks a remote model
    prompts = _prompts(be, 3)
    with Store(tmp_path / "s.sqlite") as st:
        live, batch = plan(be, prompts, st), plan(be, prompts, st, batch=True)
    tokens = live.tokens_prompt
    assert live.cost_usd == pytest.approx((tokens * 0.15 + 6 * 0.60) / 1e6)
    assert live.cost_usd_max == pytest.approx((2 * tokens * 0.15 + 6 * 41 * 0.60) / 1e6)
    assert batch.cost_usd == pytest.approx(live.cost_usd / 2) and batch.batch
    assert f"prices of {current_prices().date} (bundled)" in "\n".join(live.lines())


def test_request_shapes() -> None:
    assert request_shape(get_backend("synthetic/default"), 10).requests == 1


def test_free_text_counts_its_output_at_the_limit_and_says_at_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    be = get_backend("openai/gpt-4o-mini")
    prompts = _prompts(be, 3)
    shape = generation_shape(be, 5, 100)
    assert (shape.requests, shape.worst_requests, shape.completion_tokens, shape.generation) == (1, 5, 500, True)
    with Store(tmp_path / "s.sqlite") as st:
        p = plan(be, prompts, st, shape=shape, batch=True)
    assert p.at_most and p.tokens_completion == p.tokens_completion_max == 6 * 500
    price = be.price.batched(current_prices().batch_discount)
    assert p.cost_usd == pytest.approx(price.cost(p.tokens_prompt, 6 * 500))
    assert p.cost_usd_max == pytest.approx(price.cost(5 * p.tokens_prompt, 6 * 500))  # a server that ignores n
    text = "\n".join(p.lines())
    assert "at most 3,000 output tokens" in text and "at most 100 tokens" in text


def test_an_anthropic_thinking_budget_comes_on_top_of_each_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-used")
    shape = generation_shape(get_backend("anthropic/claude-haiku-4-5?thinking=2048"), 5, 100)
    assert (shape.requests, shape.completion_tokens, shape.worst_completion_tokens) == (5, 5 * 2148, 5 * 2148)


@pytest.mark.embedded
def test_local_gguf_tokens_are_exact_and_time_is_measured(tmp_path: Path) -> None:
    from valuelens.backends.llamacpp import LlamaCppBackend

    be = LlamaCppBackend()
    try:
        prompts = _prompts(be, 4)
        with Store(tmp_path / "s.sqlite") as st:
            p = plan(be, prompts, st)
        assert p.tokens_exact and p.tokens_prompt == sum(sum(map(len, be.chunks(x))) for x in prompts.values())
        assert p.seconds is not None and p.seconds > 0 and "prefill measured" in (p.seconds_method or "")
        assert be.usage.tokens_prompt == 0  # the dry run leaves the counters as they were
    finally:
        be.close()


@pytest.mark.embedded
def test_sweep_of_a_local_model_plans_every_condition_with_exact_tokens_and_time(tmp_path: Path) -> None:
    from valuelens.runner import PlanReady, PlanSet, scaled
    from valuelens.studies import sweep

    with scaled(dry_run=True), pytest.raises(PlanReady) as ready:
        sweep("llamacpp/gemma-3-270m", personas=["japan"], limit=2, store=tmp_path / "s.sqlite")
    plans = ready.value.plan
    assert isinstance(plans, PlanSet) and [r.label for r in plans.runs] == ["baseline", "persona:japan"]
    assert all(r.plan.tokens_exact and r.plan.seconds and r.plan.to_ask == 4 for r in plans.runs)
    total = plans.to_dict()["total"]
    assert total["tokens_exact"] and total["seconds"] == pytest.approx(sum(r.plan.seconds for r in plans.runs))
    assert "estimated time" in "\n".join(plans.lines()) and "prefill measured" in "\n".join(plans.lines())
    with Store(tmp_path / "s.sqlite") as st:
        assert st.list_runs() == []


@pytest.mark.embedded
def test_local_free_text_time_is_not_estimated_but_log_probabilities_are(tmp_path: Path) -> None:
    """`--answer both` on the embedded model: the log-probability half is timed from a measured prefill;
    no generation rate is measured, so the free-text half says "not estimated" (and the totals say so)."""
    from valuelens.runner import PlanReady, PlanSet, scaled
    from valuelens.studies import run

    with scaled(dry_run=True), pytest.raises(PlanReady) as ready:
        run("llamacpp/gemma-3-270m?threads=1", limit=2, answer="both", max_tokens=64, store=tmp_path / "s.sqlite")
    plans = ready.value.plan
    assert isinstance(plans, PlanSet) and [r.part for r in plans.runs] == ["free text", "log-probabilities"]
    free, logprobs = (r.plan for r in plans.runs)
    assert free.seconds is None and free.seconds_method == GENERATION_TIME and free.tokens_exact
    assert free.at_most and free.tokens_completion == 4 * 5 * 64
    assert logprobs.seconds is not None and logprobs.seconds > 0 and not logprobs.at_most
    text = "\n".join(plans.lines())
    assert "(free text not counted: not estimated)" in text and GENERATION_TIME in text

"""anthropic/...: K samples per order, answers parsed in their many shapes, refusals recorded and counted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from tests.servers.anthropic_fake import FakeAnthropic, serve

import valuelens
from valuelens.backends import get_backend
from valuelens.errors import BackendError

pytest.importorskip("anthropic")


def test_samples_are_parsed_and_refusals_recorded(suite_file, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
    server, handler = serve(FakeAnthropic(refuse=0.2, rate_429=0.05, rate_529=0.05, seed=2))
    try:
        r = valuelens.run(
            "anthropic/claude-fake?backoff=0.01",
            str(suite_file(40)),
            base_url=server.url,
            samples=5,
            system_prompt="Be yourself.",
            store=tmp_path / "a.sqlite",
        )
    finally:
        server.stop()
    s = r.summary()
    assert s["failed"] == 0 and s["model_calls"] == 80
    assert s["refused"] > 0 and s["refused_samples"] >= 5 * s["refused"] and s["unparsed_samples"] == 0
    assert s["tokens_prompt"] > 0 and s["tokens_completion"] > 0 and s["cost_usd"] is None
    assert handler.kinds["429"] + handler.kinds["529"] > 0 and set(handler.systems) == {"Be yourself."}
    with sqlite3.connect(tmp_path / "a.sqlite") as db:
        results = [__import__("json").loads(x) for (x,) in db.execute("SELECT result FROM responses")]
    refused = [x for x in results if x["refused"]]
    assert len(refused) == s["refused"] and all(sum(x["counts"].values()) == 0 for x in refused)
    # a refused prompt has no probability: it is never read as 0.5 or as a choice
    answered = np.concatenate([r.table.p_a_first, r.table.p_a_second])
    assert np.isnan(answered).sum() == s["refused"]
    assert np.all((answered[~np.isnan(answered)] >= 0) & (answered[~np.isnan(answered)] <= 1))


def test_official_endpoint_needs_a_key(monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    with pytest.raises(BackendError, match="ANTHROPIC_API_KEY"):
        get_backend("anthropic/claude-haiku-4-5")


def test_price_is_known_for_listed_models(monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    be = get_backend("anthropic/claude-haiku-4-5-20251001")
    assert be.price is not None and be.price.cost(1_000_000, 0) == pytest.approx(1.0)
    assert get_backend("anthropic/claude-haiku-4-5", base_urls=["http://127.0.0.1:9"]).price is None


def test_free_text_with_a_thinking_budget(suite_file, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
    server, handler = serve(FakeAnthropic(refuse=0.0, seed=3))
    try:
        r = valuelens.run(
            "anthropic/claude-fake?thinking=2048",
            str(suite_file(6)),
            base_url=server.url,
            answer="free",
            max_tokens=300,
            store=tmp_path / "t.sqlite",
        )
    finally:
        server.stop()
    assert set(handler.thinking) == {(2048, 2048 + 300)} and len(handler.thinking) == 6 * 2 * 5
    with sqlite3.connect(tmp_path / "t.sqlite") as db:
        results = [__import__("json").loads(x) for (x,) in db.execute("SELECT result FROM responses")]
    samples = [s for x in results for s in x["samples"]]
    # the thinking is kept apart from the final answer, which the rule reads
    assert all(s["thinking"].startswith("Option A and option B") for s in samples)
    assert all("weighing" not in s["final"] for s in samples)
    assert r.free_text["routes"]["rule"] == len(samples) == 60
    with pytest.raises(BackendError, match="thinking must be at least 1024"):
        get_backend("anthropic/claude-fake?thinking=10", base_urls=["http://127.0.0.1:9"])

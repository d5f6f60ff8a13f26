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

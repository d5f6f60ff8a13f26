"""--dry-run, --max-cost, --prices and --batch through the CLI, against the fake OpenAI server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.servers._http import ThreadedServer
from tests.servers.openai_fake import FakeOpenAI, serve
from typer.testing import CliRunner

from valuelens.backends import current_prices
from valuelens.cli import app
from valuelens.store import Store

PRICES = {
    "date": "2031-02",
    "currency": "USD",
    "unit": "per million tokens",
    "batch_discount": 0.5,
    "providers": {"openai": {"gpt-4o-mini": {"input": 1000.0, "output": 4000.0}}},
}


@pytest.fixture
def priced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A user price file; the fake server's model is priced from the table in use when it is made
    (prices apply to official endpoints only, and the fake server is not one)."""
    import valuelens.runner._session as session_mod

    made = session_mod.get_backend

    def get_backend(model: str, **kw: object) -> object:
        be = made(model, **kw)
        be.price = current_prices().price_of("openai", "gpt-4o-mini")
        return be

    monkeypatch.setattr(session_mod, "get_backend", get_backend)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(PRICES))
    return path


@contextmanager
def fake_server() -> Iterator[tuple[ThreadedServer, FakeOpenAI]]:
    server, handler = serve()
    try:
        yield server, handler
    finally:
        server.stop()


def _run(server_url: str, store: Path, *extra: str) -> list[str]:
    return [
        "run", "--model", "openai/gpt-4o-mini", "--base-url", server_url + "/v1", "--limit", "4",
        "--samples", "2", "--max-concurrency", "1", "--store", str(store), *extra,
    ]  # fmt: skip


def test_dry_run_plans_without_a_model_call_and_stores_nothing(tmp_path: Path, priced: Path) -> None:
    with fake_server() as (server, handler):
        store = tmp_path / "s.sqlite"
        got = CliRunner().invoke(app, _run(server.url, store, "--dry-run", "--json", "--prices", str(priced)))
        assert got.exit_code == 0, got.output
        p = json.loads(got.stdout)
        assert p["prompts"] == 8 and p["cached"] == 0 and p["to_ask"] == 8 and not p["tokens_exact"]
        assert p["prices_date"] == "2031-02" and p["cost_usd"] > 0 and p["cost_usd_max"] >= p["cost_usd"]
        text = CliRunner().invoke(app, _run(server.url, store, "--dry-run", "--prices", str(priced)))
        assert text.exit_code == 0 and "8 to ask" in text.stdout and "prices of 2031-02" in text.stdout
        assert handler.requests == []  # no model call
        with Store(store) as st:
            assert st.list_runs() == []  # nothing stored


def test_max_cost_stops_with_one_line_and_the_rerun_resumes(tmp_path: Path, priced: Path) -> None:
    with fake_server() as (server, handler):
        store = tmp_path / "s.sqlite"
        plan = json.loads(
            CliRunner().invoke(app, _run(server.url, store, "--dry-run", "--json", "--prices", str(priced))).stdout
        )
        per_prompt = plan["cost_usd_max"] / plan["to_ask"]
        limit = f"{2.5 * per_prompt:.6f}"
        got = CliRunner().invoke(app, _run(server.url, store, "--max-cost", limit, "--prices", str(priced)))
        assert got.exit_code == 4, got.output
        [line] = got.stderr.strip().splitlines()
        assert line.startswith(f"stopped at --max-cost ${float(limit):.2f}") and "prices of 2031-02" in line
        asked = len(handler.requests)
        assert 1 <= asked < 8
        with Store(store) as st:
            [rec] = st.list_runs()
            assert rec.status == "incomplete"
        again = CliRunner().invoke(app, _run(server.url, store, "--json", "--prices", str(priced)))
        assert again.exit_code == 0, again.output
        summary = json.loads(again.stdout)
        assert summary["cached_calls"] == asked and summary["model_calls"] == 8 - asked
        assert summary["prices_date"] == "2031-02" and summary["cost_usd"] > 0


def test_bad_price_file_and_batch_without_a_batch_api_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "prices.json"
    bad.write_text("{not json")
    store = tmp_path / "s.sqlite"
    got = CliRunner().invoke(
        app, ["run", "-m", "synthetic/default", "-n", "2", "--store", str(store), "--prices", str(bad)]
    )
    assert got.exit_code == 2 and got.stderr.count("\n") == 1 and str(bad) in got.stderr
    got = CliRunner().invoke(app, ["survey", "-m", "synthetic/default", "--store", str(store), "--batch"])
    assert (
        got.exit_code == 2
        and got.stderr.strip() == "--batch: synthetic/default has no batch API (openai/ and anthropic/ models only)"
    )
    with Store(store) as st:
        assert st.list_runs() == []
    assert current_prices().date != "2031-02"  # the CLI's table does not outlive the command


def test_batch_run_goes_through_the_batch_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.servers.batch_fake import Behaviour
    from tests.servers.batch_fake import serve as serve_batches

    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    server, fake = serve_batches(Behaviour(polls=0))
    with server:
        store = tmp_path / "s.sqlite"
        args = ["run", "-m", "anthropic/claude-x", "--base-url", server.url, "-n", "2", "--samples", "2"]
        got = CliRunner().invoke(app, [*args, "--store", str(store), "--batch", "--json"])
        assert got.exit_code == 0, got.output
        summary = json.loads(got.stdout)
        assert summary["model_calls"] == 4 and summary["failed"] == 0 and fake.calls["create"] == 1
        with Store(store) as st:
            [rec] = st.list_runs()
            assert rec.status == "complete" and rec.stats["batch"] is True

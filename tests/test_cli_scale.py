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
    "providers": {
        "openai": {
            "gpt-4o-mini": {"input": 1000.0, "output": 4000.0},
            "gpt-4o": {"input": 2500.0, "output": 10000.0},  # a judge dearer than the model it reads
            "chatty": {"input": 10.0, "output": 40.0},  # the free-text fake server's models
            "judge": {"input": 5000.0, "output": 20000.0},
        }
    },
}


@pytest.fixture
def priced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A user price file; the fake servers' models are priced by name from the table in use when they are
    made (prices apply to official endpoints only, and a fake server is not one)."""
    import valuelens.runner._session as session_mod

    made = session_mod.get_backend

    def get_backend(model: str, **kw: object) -> object:
        be = made(model, **kw)
        if model.startswith("openai/"):
            be.price = current_prices().price_of("openai", be.model)
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


# --- studies of several runs (steer, sweep, drift): every run planned, one spend limit over them all


def mute(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on the synthetic model fails the test if it is asked anything."""
    from valuelens.backends.synthetic import SyntheticBackend

    async def never(self: object, *args: object, **kwargs: object) -> None:
        raise AssertionError("a dry run asked the model")

    for method in ("choice_logprobs", "sample", "generate"):
        monkeypatch.setattr(SyntheticBackend, method, never)


@pytest.fixture
def mute_synthetic(monkeypatch: pytest.MonkeyPatch) -> None:
    mute(monkeypatch)


def test_sweep_dry_run_plans_every_model_and_condition(
    tmp_path: Path, priced: Path, mute_synthetic: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_server() as (server, handler):
        monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")  # --base-url would name it for synthetic/ too
        store = tmp_path / "s.sqlite"
        url = ["--store", str(store), "--prices", str(priced)]
        # the priced model's baseline is answered before: the dry run counts it as cached
        pre = CliRunner().invoke(app, ["run", "-m", "openai/gpt-4o-mini", "-n", "3", "--samples", "2", *url])
        assert pre.exit_code == 0, pre.output
        asked_before = len(handler.requests)
        args = ["sweep", "-m", "openai/gpt-4o-mini", "-m", "synthetic/default", "--persona", "japan"]
        args += ["--principle", "care", "-n", "3", "--samples", "2", *url, "--dry-run"]
        got = CliRunner().invoke(app, [*args, "--json"])
        assert got.exit_code == 0, got.output
        p = json.loads(got.stdout)
        assert len(handler.requests) == asked_before  # no model call
    assert p["kind"] == "plan" and p["study"] == "sweep" and p["prices_date"] == "2031-02"
    runs = [(r["model"], r["condition"], r["prompts"], r["cached"], r["to_ask"]) for r in p["runs"]]
    assert runs == [
        ("openai/gpt-4o-mini", "baseline", 6, 6, 0),
        ("openai/gpt-4o-mini", "persona:japan", 6, 0, 6),
        ("openai/gpt-4o-mini", "principle:care", 6, 0, 6),
        ("synthetic/default", "baseline", 6, 0, 6),
        ("synthetic/default", "persona:japan", 6, 0, 6),
        ("synthetic/default", "principle:care", 6, 0, 6),
    ]
    priced_runs = [r for r in p["runs"] if r["model"] == "openai/gpt-4o-mini"]
    mine = p["models"]["openai/gpt-4o-mini"]
    assert mine["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in priced_runs)) and mine["cost_usd"] > 0
    assert mine["to_ask"] == 12 and mine["prices_date"] == "2031-02" and not mine["tokens_exact"]
    assert p["models"]["synthetic/default"]["cost_usd"] is None
    total = p["total"]
    assert (total["runs"], total["prompts"], total["cached"], total["to_ask"]) == (6, 36, 6, 30)
    assert total["cost_usd"] == pytest.approx(mine["cost_usd"]) and total["unpriced"] == ["synthetic/default"]
    assert total["tokens_prompt"] == sum(r["tokens_prompt"] for r in p["runs"])
    with Store(store) as st:
        assert [r.kind for r in st.list_runs()] == ["dilemmas"]  # only the run made before
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "synthetic/default | persona:japan: 6 prompts" in text.stdout  # user text as typed
    assert "total: 6 runs, 36 prompts, 6 answered in the store, 30 to ask" in text.stdout
    assert "the prices of 2031-02" in text.stdout and "not counting synthetic/default" in text.stdout


def test_steer_dry_run_plans_both_conditions(tmp_path: Path, mute_synthetic: None) -> None:
    from valuelens.runner import PlanReady, PlanSet, scaled
    from valuelens.studies import steer

    with scaled(dry_run=True), pytest.raises(PlanReady) as ready:
        steer("synthetic/default", "power", store=tmp_path / "s.sqlite")
    plans = ready.value.plan
    assert isinstance(plans, PlanSet) and plans.study == "steer"
    assert [r.label for r in plans.runs] == ["baseline", "principle:power"]
    base, steered = (r.plan for r in plans.runs)
    assert base.prompts == steered.prompts > 0 and steered.tokens_prompt > base.tokens_prompt  # the principle's text
    with Store(tmp_path / "s.sqlite") as st:
        assert st.list_runs() == []


def test_drift_dry_run_plans_every_checkpoint_and_stored_runs_need_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import valuelens

    store = ["--store", str(tmp_path / "s.sqlite")]
    ids = [
        valuelens.run(m, limit=4, store=tmp_path / "s.sqlite").run_id for m in ("synthetic/default", "synthetic/weak")
    ]
    mute(monkeypatch)
    args = ["drift", "-m", "synthetic/default", "-m", "synthetic/strong", "--steps", "0,200", "-n", "4", *store]
    got = CliRunner().invoke(app, [*args, "--dry-run", "--json"])
    assert got.exit_code == 0, got.output
    p = json.loads(got.stdout)
    assert [(r["condition"], r["model"], r["cached"], r["to_ask"]) for r in p["runs"]] == [
        ("step 0", "synthetic/default", 8, 0),
        ("step 200", "synthetic/strong", 0, 8),
    ]
    with Store(tmp_path / "s.sqlite") as st:
        assert len(st.list_runs()) == 2  # only the runs made before
    got = CliRunner().invoke(app, ["drift", *ids, *store, "--dry-run"])
    assert got.exit_code == 0, got.output
    assert got.stdout.strip() == "drift: nothing to ask (stored runs only; no model is called)"


def test_drift_max_cost_holds_over_every_checkpoint(tmp_path: Path, priced: Path) -> None:
    """One limit for the invocation: each checkpoint alone fits under it, both together do not."""
    with fake_server() as (server, handler):
        common = ["-n", "3", "--samples", "2", "--base-url", server.url + "/v1", "--prices", str(priced)]
        first, second = "openai/gpt-4o-mini?logprobs=off", "openai/gpt-4o-mini?logprobs=off&top=5"
        alone = CliRunner().invoke(app, ["run", "-m", first, *common, "--store", str(tmp_path / "a.sqlite"), "--json"])
        spent = json.loads(alone.stdout)["cost_usd"]  # what one checkpoint really costs (6 prompts)
        store = tmp_path / "s.sqlite"
        models = ["drift", "-m", first, "-m", second, *common, "--store", str(store)]
        plan = json.loads(CliRunner().invoke(app, [*models, "--dry-run", "--json"]).stdout)
        worst = plan["runs"][0]["cost_usd_max"]  # every prompt of one checkpoint reserved at once
        # the second checkpoint's last prompt needs the first's spend, five settled prompts and one reservation
        both = spent + 5 * spent / 6 + worst / 6
        assert worst < both
        limit = (worst + both) / 2
        handler.requests.clear()
        got = CliRunner().invoke(app, [*models, "--max-cost", f"{limit:.6f}"])
        assert got.exit_code == 4, got.output
        [line] = got.stderr.strip().splitlines()
        assert line.startswith(f"stopped at --max-cost ${limit:.2f}: estimated spend $")
        asked = len(handler.requests)
        assert 6 < asked < 12  # the first checkpoint whole, the second in part
        with Store(store) as st:
            assert sorted(r.status for r in st.list_runs()) == ["complete", "incomplete"]
        again = CliRunner().invoke(app, [*models, "--json"])
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["model_calls"] == 12 - asked


def test_drift_batch_goes_through_the_batch_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.servers.batch_fake import Behaviour
    from tests.servers.batch_fake import serve as serve_batches

    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    server, fake = serve_batches(Behaviour(polls=0))
    with server:
        args = ["drift", "-m", "anthropic/claude-x", "-m", "anthropic/claude-y", "--base-url", server.url]
        args += ["-n", "3", "--samples", "2", "--n-boot", "20", "--store", str(tmp_path / "s.sqlite")]
        got = CliRunner().invoke(app, [*args, "--batch", "--json"])
        assert got.exit_code == 0, got.output
        assert json.loads(got.stdout)["model_calls"] == 12 and fake.calls["create"] == 2
    store = tmp_path / "t.sqlite"
    args = ["drift", "-m", "synthetic/default", "-m", "synthetic/strong", "-n", "3", "--store", str(store)]
    refused = CliRunner().invoke(app, [*args, "--batch"])
    assert refused.exit_code == 2
    assert refused.stderr.strip() == "--batch: synthetic/default has no batch API (openai/ and anthropic/ models only)"
    with Store(store) as st:
        assert st.list_runs() == []

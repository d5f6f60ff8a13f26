"""Free-text runs end to end: fake servers answering like real models, a judge, the synthetic free-text mode."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import spearmanr
from tests.servers.freetext_fake import read_against_truth, serve
from typer.testing import CliRunner

import valuelens
from valuelens.backends import BackendBase, Usage
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.store import Store

runner = CliRunner()


@pytest.fixture
def fake():
    server, handler = serve(max_requests=20_000, max_seconds=120)
    yield server.url + "/v1", handler
    server.stop()


def test_reasoning_and_chatty_models_are_read_by_rule_then_judge(fake, suite_file) -> None:
    url, handler = fake
    path = str(suite_file(20))
    shares = {}
    for style in ("reasoner", "chatty"):
        r = valuelens.run(f"openai/{style}", path, base_url=url, answer="free", judge="openai/judge")
        routes = r.summary()["free_text"]["routes"]
        total = sum(routes.values())
        assert total == 20 * 2 * 5 and routes["none"] == 0 and routes["refused"] == 0
        checked = read_against_truth(r.store_path, r.run_id, handler.written, ("A", "B"))
        shares[style] = (routes["rule"] / total, routes["judge"] / total)
        # every answer read is read correctly, by the rule and by the judge
        assert all(checked["rule"]) and all(checked["judge"])
        assert r.free_text["judge_rule_agreement"]["share"] == 1.0
        assert np.all(np.isfinite(r.table.p_a_first))
    assert shares["reasoner"] == (1.0, 0.0)  # the think block never confuses the rule
    rule, judge = shares["chatty"]
    assert 0.6 <= rule <= 0.9 and judge == pytest.approx(1 - rule)  # "the second one" needs the judge


def test_refusals_and_rambling_are_never_a_choice(fake, suite_file) -> None:
    url, _ = fake
    path = str(suite_file(6))
    refused = valuelens.run("openai/refuser", path, base_url=url, answer="free", judge="openai/judge")
    assert refused.free_text["routes"] == {"rule": 0, "judge": 0, "none": 0, "refused": 60}
    rambled = valuelens.run("openai/rambler", path, base_url=url, answer="free", judge="openai/judge")
    assert rambled.free_text["routes"]["none"] == 60
    assert rambled.free_text["unread_reasons"] == {"judge: neither option": 60}
    assert np.all(np.isnan(rambled.table.p_a_first)) and np.all(np.isnan(rambled.table.p_a_second))


def test_a_failing_judge_leaves_answers_unread_with_its_reason(fake, suite_file) -> None:
    url, _ = fake
    path = str(suite_file(10))
    r = valuelens.run("openai/chatty", path, base_url=url, answer="free", judge="openai/broken?retries=0")
    ft = r.summary()["free_text"]
    unread = ft["routes"]["none"]
    assert unread > 0 and ft["routes"]["judge"] == 0
    (reason, n), *_ = ft["unread_reasons"].items()
    assert reason.startswith("judge failed:") and "judge is down" in reason and n == unread
    # P comes from the rule-read answers alone: no unread answer was turned into 0.5
    with Store(r.store_path) as st:
        items = st.run_items(r.run_id)
        answers = st.get_ok([k for *_, k in items])
    row = {i: j for j, i in enumerate(r.table.item_ids)}
    for item_id, _, order, key in items:
        picks = [s["label"] for s in answers[key]["samples"] if s["status"] == "chosen"]
        want = picks.count("A") / len(picks) if picks else math.nan  # A is listed first in order 0
        got = r.table.p_a_first[row[item_id]] if order == 0 else 1.0 - r.table.p_a_second[row[item_id]]
        assert (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want)
    # the same run again retries the judge (failures are not cached) and still fails: still unread, counted
    again = valuelens.run("openai/chatty", path, base_url=url, answer="free", judge="openai/broken?retries=0")
    assert again.free_text["routes"] == ft["routes"] and again.judge is not None and again.judge.model_calls > 0
    assert again.invocation is not None and again.invocation.model_calls == 0  # the answers: from the store


def test_rule_only_reading_counts_what_it_cannot_read(fake, suite_file) -> None:
    url, _ = fake
    r = valuelens.run("openai/chatty", str(suite_file(8)), base_url=url, answer="free")
    ft = r.summary()["free_text"]
    assert ft["routes"]["judge"] == 0 and ft["routes"]["none"] > 0
    assert list(ft["unread_reasons"]) == ["rule found no choice; no --judge"]


def test_reasoning_models_get_completion_tokens_and_an_effort(fake, suite_file) -> None:
    url, handler = fake
    valuelens.run("openai/o3-mini?reasoning=low", str(suite_file(2)), base_url=url, answer="free", max_tokens=300)
    req = handler.requests[-1]
    assert req["max_completion_tokens"] == 300 and req["reasoning_effort"] == "low"
    assert "max_tokens" not in req and "temperature" not in req and req["n"] == 5
    valuelens.run("openai/chatty", str(suite_file(2)), base_url=url, answer="free", max_tokens=300, samples=3)
    req = handler.requests[-1]
    assert req["max_tokens"] == 300 and req["temperature"] == 1.0 and req["n"] == 3


def test_synthetic_free_text_recovers_the_truth_on_the_core_suite() -> None:
    model = "synthetic/default"
    r = valuelens.run(model, "core", answer="free", judge=model)
    out = r.summary(n_boot=200)
    truth = SyntheticBackend("default").truth.value_utilities
    rho = spearmanr([v["utility"] for v in out["values"]], [truth[v["value"]] for v in out["values"]]).statistic
    assert rho >= 0.9
    routes = out["free_text"]["routes"]
    assert routes["judge"] > 0.1 * sum(routes.values()) and routes["none"] == 0  # the judge is needed and reads all
    assert out["free_text"]["judge_rule_agreement"]["share"] == 1.0
    # rerun: every answer and every judge reply comes from the store
    again = valuelens.run(model, "core", answer="free", judge=model)
    assert again.invocation.model_calls == 0 and again.free_text == r.free_text


def test_both_reports_agreement_of_logprobs_and_free_text(suite_file) -> None:
    out = runner.invoke(
        app,
        [
            "run",
            "-m",
            "synthetic/strong",
            "-s",
            str(suite_file(60)),
            "--answer",
            "both",
            "--judge",
            "synthetic/strong",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    agree = summary["answer_agreement"]
    assert agree["n"] == 60 and agree["correlation"] > 0.8 and agree["same_majority"] > 0.8
    by_logprobs = valuelens.load_run(agree["logprobs_run"]).summary()
    assert "free_text" not in by_logprobs and by_logprobs["items"] == 60


class _NoText(BackendBase):
    name = "plain/model"
    fingerprint = "plain"
    usage = Usage()

    async def choice_logprobs(self, prompts, labels):  # pragma: no cover - never asked
        return None

    async def sample(self, prompts, n, max_tokens):  # pragma: no cover - never asked
        return []


def test_free_text_from_a_model_that_cannot_generate_is_one_line_exit_2(
    monkeypatch, suite_file, isolated_store
) -> None:
    with pytest.raises(InputError, match="plain/model cannot answer in free text"):
        valuelens.run("plain/model", str(suite_file(3)), backend=_NoText(), answer="free")
    monkeypatch.setattr(SyntheticBackend, "free_text", False)
    out = runner.invoke(app, ["run", "-m", "synthetic/default", "-s", str(suite_file(3)), "--answer", "free"])
    assert out.exit_code == 2 and len(out.output.strip().splitlines()) == 1
    assert "--answer free: synthetic/default cannot answer in free text" in out.output
    with Store(isolated_store) as st:
        assert st.list_runs() == []  # nothing half-written
    bad = runner.invoke(app, ["run", "-m", "synthetic/default", "--answer", "maybe"])
    assert bad.exit_code == 2 and "--answer: must be one of logprobs, free, both" in bad.output


def test_the_judge_shares_the_models_server_only_when_it_has_the_same_provider() -> None:
    from valuelens.studies._free_run import judge_connection

    conn = {"base_url": ["http://127.0.0.1:8000/v1"], "timeout": 30.0, "max_concurrency": None}
    assert judge_connection("openai/qwen3", "openai/judge", None, conn)["base_url"] == conn["base_url"]
    assert judge_connection("openai/qwen3", "anthropic/claude-haiku-4-5", None, conn)["base_url"] is None
    mine = judge_connection("openai/qwen3", "openai/gpt-4o-mini", "https://api.example.test/v1", conn)
    assert mine["base_url"] == "https://api.example.test/v1" and mine["timeout"] == 30.0


def test_reasoning_a_server_returns_apart_is_kept_apart(fake, suite_file) -> None:
    url, _ = fake
    r = valuelens.run("openai/parsed", str(suite_file(4)), base_url=url, answer="free")
    assert r.free_text["routes"] == {"rule": 40, "judge": 0, "none": 0, "refused": 0}
    with Store(r.store_path) as st:
        samples = [s for a in st.get_ok([k for *_, k in st.run_items(r.run_id)]).values() for s in a["samples"]]
    assert all(s["thinking"].startswith("Let me weigh this.") and "<think>" not in s["final"] for s in samples)

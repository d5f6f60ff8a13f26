"""Free-text answers beyond `run`: survey (in the scale's labels), steer and sweep, and how every output
reports the routes and the agreement with log-probabilities (terminal, --json, show, HTML)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scipy.stats import spearmanr
from tests.servers.freetext_fake import read_against_truth, serve
from typer.testing import CliRunner

import valuelens
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.prompts import SCALE_LABELS
from valuelens.store import Store
from valuelens.suites import load_survey

runner = CliRunner()
DIFFERS = "Stated first-token preference differs from the choice after thinking"
AGREES = "agree with the log-probabilities as far as sampling allows"


@pytest.fixture
def fake():
    server, handler = serve(max_requests=20_000, max_seconds=120)
    yield server.url + "/v1", handler
    server.stop()


def _cli(*args: str) -> str:
    out = runner.invoke(app, list(args))
    assert out.exit_code == 0, out.output
    return out.stdout


@pytest.mark.parametrize(("style", "rule_share"), [("reasoner", 1.0), ("chatty", None)])
def test_survey_answers_are_read_in_the_scales_labels(fake, style: str, rule_share: float | None) -> None:
    """Survey options are labelled 1-6: the rule reads "Answer: 2", "I'd go with option 1", "**2**" among
    them, the judge reads the rest, and every answer read is read right."""
    url, handler = fake
    items = load_survey()[:6]
    r = valuelens.survey(f"openai/{style}", items=items, base_url=url, answer="free", judge="openai/judge")
    routes = r.summary()["free_text"]["routes"]
    total = sum(routes.values())
    assert total == 6 * 2 * 5 and routes["none"] == 0 and routes["refused"] == 0
    checked = read_against_truth(r.store_path, r.run_id, handler.written, SCALE_LABELS)
    assert all(checked["rule"]) and all(checked["judge"])
    assert len(checked["rule"]) + len(checked["judge"]) == total
    if rule_share is not None:
        assert routes["rule"] / total == rule_share
    else:
        assert 0 < routes["judge"] < total / 2  # "the second one seems right" names no label
    assert r.item_ratings().shape == (6,) and not any(map(lambda x: x != x, r.item_ratings()))


@pytest.mark.parametrize(
    ("style", "judge", "route", "reason"),
    [
        ("refuser", "openai/judge", "refused", None),
        ("rambler", "openai/judge", "none", "judge: neither option"),
        ("rambler", "openai/broken?retries=0", "none", "judge failed:"),
    ],
)
def test_survey_answers_that_choose_nothing_count_for_nothing(fake, style, judge, route, reason) -> None:
    url, _ = fake
    r = valuelens.survey(f"openai/{style}", items=load_survey()[:3], base_url=url, answer="free", judge=judge)
    ft = r.summary()["free_text"]
    assert ft["routes"][route] == 30 and sum(ft["routes"].values()) == 30
    if reason is not None:
        (why, n), *_ = ft["unread_reasons"].items()
        assert why.startswith(reason) and n == 30
    assert r.scores() is None  # no rating was made up: every item is unanswered, none is a 3.5
    assert r.summary()["items_answered"] == 0


def test_synthetic_survey_in_free_text_recovers_the_stated_values() -> None:
    model = "synthetic/default"
    s = valuelens.survey(model, answer="free", judge=model).summary()
    truth = SyntheticBackend("default").schwartz_truth()
    got = {v["value"]: v["score"] for v in s["values"]}
    names = sorted(truth)
    assert spearmanr([got[n] for n in names], [truth[n] for n in names]).statistic >= 0.9
    routes = s["free_text"]["routes"]
    assert routes["none"] == 0 and routes["judge"] > 0.1 * sum(routes.values())  # "the fourth one": the judge
    assert s["answer"] == "free" and "answer_agreement" not in s  # no log-probability survey in the store yet


def test_survey_both_reports_agreement_in_json_terminal_show_and_html() -> None:
    model = "synthetic/default"
    summary = json.loads(_cli("survey", "-m", model, "--answer", "both", "--judge", model, "--json"))
    agree = summary["answer_agreement"]
    assert agree["unit"] == "items" and agree["n"] == 40 and agree["correlation"] > 0.8
    assert agree["verdict"] == "agrees" and 0 <= agree["p_value"] <= 1 and agree["expected_same"] > 0.5
    logprobs = valuelens.load_run(agree["logprobs_run"]).summary()
    assert "free_text" not in logprobs and logprobs["kind"] == "survey"
    shown = json.loads(_cli("show", summary["run_id"], "--json"))
    assert shown["answer_agreement"] == agree and shown["free_text"] == summary["free_text"]
    text = _cli("show", summary["run_id"])
    assert "Free-text answers: 400; read by rule" in text and "correlation of the rating" in text
    assert AGREES in " ".join(text.split())
    _cli("report", summary["run_id"], "-o", "survey.html")
    html = Path("survey.html").read_text(encoding="utf-8")
    assert 'data-panel="answers"' in html and "same side of the scale" in html and AGREES in html


def test_a_model_that_chooses_otherwise_after_thinking_is_reported_everywhere() -> None:
    """synthetic ...?think=-1 reverses its value preferences in free text: terminal, JSON, show and HTML say so."""
    model = "synthetic/strong?think=-1"
    text = " ".join(_cli("run", "-m", model, "-n", "30", "--answer", "both", "--judge", "synthetic/strong").split())
    assert DIFFERS in text and "Log-probabilities (run" in text
    summary = json.loads(
        _cli("run", "-m", model, "-n", "30", "--answer", "both", "--judge", "synthetic/strong", "--json")
    )
    agree = summary["answer_agreement"]
    assert agree["verdict"] == "differs" and agree["correlation"] < 0 and agree["same_majority"] < 0.5
    assert summary["model_calls"] == 0  # the second time every answer and judge reply comes from the store
    assert DIFFERS in " ".join(_cli("show", summary["run_id"]).split())
    _cli("report", summary["run_id"], "-o", "run.html")
    html = Path("run.html").read_text(encoding="utf-8")
    assert 'data-panel="answers"' in html and DIFFERS in html and 'data-route="judge"' in html
    # the same model asked only in free text, with its log-probability run in the store: the same verdict
    free = valuelens.run(model, limit=30, answer="free", judge="synthetic/strong")
    assert free.answer_agreement["verdict"] == "differs"


def test_logprob_runs_have_no_answers_panel_or_free_text_lines() -> None:
    summary = json.loads(_cli("run", "-m", "synthetic/default", "-n", "10", "--json"))
    assert "free_text" not in summary and "answer_agreement" not in summary
    _cli("report", summary["run_id"], "-o", "plain.html")
    assert 'data-panel="answers"' not in Path("plain.html").read_text(encoding="utf-8")
    assert "Free-text answers" not in _cli("show", summary["run_id"])


def test_steer_in_free_text_reports_each_conditions_reading() -> None:
    model = "synthetic/strong"
    args = ["steer", "-m", model, "--principle", "security", "-n", "120", "--answer", "both", "--judge", model]
    summary = json.loads(_cli(*args, "--json"))
    answers, n = summary["answers"], summary["dilemmas"]
    assert list(answers) == ["baseline", "steered"] and n >= 10
    for reading in answers.values():
        assert sum(reading["free_text"]["routes"].values()) == n * 2 * 5
        assert reading["answer_agreement"]["n"] == n and reading["answer_agreement"]["verdict"] == "agrees"
    assert summary["verdict"] == "steerable"  # measured on the free-text answers
    text = " ".join(_cli(*args).split())
    assert f"Baseline: Free-text answers: {n * 10}" in text and f"Steered: Free-text answers: {n * 10}" in text
    assert "Steered: Log-probabilities (run" in text and AGREES in text
    plain = json.loads(_cli("steer", "-m", model, "--principle", "security", "-n", "120", "--json"))
    assert "answers" not in plain and plain["baseline_run"] == answers["baseline"]["answer_agreement"]["logprobs_run"]


def test_sweep_in_free_text_reports_each_runs_reading(tmp_path: Path) -> None:
    model = "synthetic/default"
    page = tmp_path / "sweep.html"
    args = ["sweep", "-m", model, "--persona", "japan", "-n", "20", "--answer", "free", "--judge", model]
    summary = json.loads(_cli(*args, "--html", str(page), "--json"))
    assert [r["condition"] for r in summary["runs"]] == ["baseline", "persona:japan"]
    for r in summary["runs"]:
        assert r["answer"] == "free" and sum(r["free_text"]["routes"].values()) == 20 * 2 * 5
    html = page.read_text(encoding="utf-8")
    assert "How the free-text answers were read" in html and "persona:japan" in html
    text = _cli(*args)
    assert "synthetic/default | persona:japan: Free-text answers: 200" in text
    assert "synthetic/default | baseline: Judge and rule agree on" in text


@pytest.mark.parametrize(
    "command",
    [
        ["survey"],
        ["steer", "--principle", "security", "-n", "40"],
        ["sweep", "--persona", "japan", "-n", "3"],
        ["run", "-n", "3", "--answer", "both"],
    ],
)
def test_free_text_from_a_model_that_cannot_generate_is_one_line_exit_2(monkeypatch, isolated_store, command) -> None:
    monkeypatch.setattr(SyntheticBackend, "free_text", False)
    args = [*command, "-m", "synthetic/default"] + ([] if "--answer" in command else ["--answer", "free"])
    out = runner.invoke(app, args)
    assert out.exit_code == 2 and len(out.output.strip().splitlines()) == 1, out.output
    assert "--answer free: synthetic/default cannot answer in free text" in out.output
    with Store(isolated_store) as st:
        assert st.list_runs() == []  # nothing half-written


@pytest.mark.parametrize("command", [["survey"], ["steer", "--principle", "security"], ["sweep"]])
def test_bad_free_text_settings_stop_every_study_before_any_call(command) -> None:
    out = runner.invoke(app, [*command, "-m", "synthetic/default", "--answer", "free", "--max-tokens", "0"])
    assert out.exit_code == 2 and out.output.strip() == "--max-tokens: must be at least 1, got 0"

"""Every study names the prompt format its model was asked in (raw text, a chat template, the server's
chat template) in its terminal header and its --json, in the run header's words; against the fake
OpenAI servers (a chat endpoint: the server's template; `?api=completions`: raw text)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from tests.servers.freetext_fake import serve as serve_free_text
from tests.servers.openai_fake import serve
from typer.testing import CliRunner

from valuelens.cli import app

SERVER = "the server's chat template"
RAW = "raw text, no chat template"


def _cli(*args: str) -> str:
    got = CliRunner().invoke(app, list(args))
    assert got.exit_code == 0, got.output
    return got.stdout


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    server, _ = serve()
    monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")  # not --base-url: synthetic/ would get it too
    yield server.url + "/v1"
    server.stop()


def test_survey_header_json_and_show_name_the_servers_template(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    server, _ = serve_free_text(max_requests=5_000, max_seconds=120)
    try:  # the survey's 1-6 labels need a model that writes them: the free-text fake's reasoner
        args = ["survey", "-m", "openai/reasoner", "--base-url", server.url + "/v1", "--answer", "free"]
        summary = json.loads(_cli(*args, "--json"))
        text = _cli(*args)
    finally:
        server.stop()
    assert summary["template"] == "server"
    assert f"Stated values of openai/reasoner ({SERVER}): survey, PVQ-centred agreement." in text
    shown = json.loads(_cli("show", summary["run_id"], "--json"))
    assert shown["template"] == "server"
    assert f"Stated values of openai/reasoner ({SERVER})" in _cli("show", summary["run_id"])


def test_steer_names_the_servers_template(fake: str) -> None:
    args = ["steer", "-m", "openai/gpt-4o-mini", "--principle", "security", "-n", "40", "--n-boot", "50"]
    summary = json.loads(_cli(*args, "--json"))
    assert summary["template"] == "server"
    assert _cli(*args).startswith(f"Steering openai/gpt-4o-mini ({SERVER}) with principle 'security'")


def test_sweep_names_each_models_format_and_models_without_one_stay_plain(fake: str) -> None:
    args = ["sweep", "-m", "openai/gpt-4o-mini?api=completions", "-m", "synthetic/default"]
    args += ["--persona", "japan", "-n", "4", "--n-boot", "20"]
    summary = json.loads(_cli(*args, "--json"))
    formats = [(r["model"], r["condition"], r.get("template")) for r in summary["runs"]]
    assert formats == [
        ("openai/gpt-4o-mini?api=completions", "baseline", "raw"),
        ("openai/gpt-4o-mini?api=completions", "persona:japan", "raw"),
        ("synthetic/default", "baseline", None),  # a simulated model has no prompt format
        ("synthetic/default", "persona:japan", None),
    ]
    first = _cli(*args).splitlines()[0]
    assert (
        first
        == f"Sweep on suite core: openai/gpt-4o-mini?api=completions ({RAW}); synthetic/default; 2 conditions each."
    )


def test_utilities_names_raw_text(fake: str) -> None:
    args = ["utilities", "-m", "openai/gpt-4o-mini?api=completions", "-n", "6", "--budget", "8"]
    summary = json.loads(_cli(*args, "--json"))
    assert summary["template"] == "raw"
    head = _cli(*args).splitlines()[0]
    assert head.startswith(f"Utilities of {summary['model']} ({RAW}) over 6 outcomes")

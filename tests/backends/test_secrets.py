"""An API key never reaches the store, the JSON output, the report or the logs, even when a server
echoes it back in an error."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from tests.servers.openai_fake import Faults, serve
from typer.testing import CliRunner

from valuelens.backends._secrets import read_dotenv, register_secret, scrub, secret
from valuelens.cli import app

pytest.importorskip("openai")

KEY = "sk-test-VALUELENS-SECRET-123"


def test_dotenv_is_read_simply(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# keys\nexport OPENAI_API_KEY=\"sk-a\"\nOTHER=plain # note\n\nBROKEN LINE\nQ='x y'\n")
    assert read_dotenv(env) == {"OPENAI_API_KEY": "sk-a", "OTHER": "plain", "Q": "x y"}
    assert read_dotenv(tmp_path / "missing") == {}


def test_scrub_removes_registered_secrets_and_bearer_tokens() -> None:
    register_secret("sk-unit-SECRET-987")
    text = "Incorrect API key provided: sk-unit-SECRET-987; headers {'Authorization': 'Bearer abc.def'}"
    out = scrub(text)
    assert "sk-unit-SECRET-987" not in out and "abc.def" not in out and "Incorrect API key" in out


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("VALUELENS_TEST_KEY=from-file\n")
    monkeypatch.setenv("VALUELENS_TEST_KEY", "from-env")
    assert secret("VALUELENS_TEST_KEY", tmp_path / ".env") == "from-env"
    monkeypatch.delenv("VALUELENS_TEST_KEY")
    assert secret("VALUELENS_TEST_KEY", tmp_path / ".env") == "from-file"


def _files_bytes(store: Path) -> bytes:
    return b"".join(p.read_bytes() for p in store.parent.glob(store.name + "*"))


@pytest.mark.parametrize("server_key", [KEY, "sk-the-right-one"], ids=["faults", "rejected-401-echoes-key"])
def test_key_appears_nowhere(
    server_key: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    suite_file,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={KEY}\n")  # the key comes from ./.env
    caplog.set_level(logging.DEBUG)
    faults = Faults(
        rate_429=0.1, rate_500=0.1, rate_drop=0.05, rate_malformed=0.05, retry_after="0", expect_key=server_key, seed=3
    )
    server, handler = serve(faults, max_requests=2_000, max_seconds=60)
    store = tmp_path / "secret.sqlite"
    try:
        args = [
            "run",
            "-m",
            "openai/fake?retries=1&backoff=0.01",
            "-s",
            str(suite_file(30)),
            "--base-url",
            server.url + "/v1",
            "--timeout",
            "2",
            "--store",
            str(store),
            "--json",
        ]
        result = CliRunner().invoke(app, args)
    finally:
        server.stop()
    summary = json.loads(result.stdout)
    # a run in which every prompt failed exits 1, with one line naming a (scrubbed) reason on stderr
    assert result.exit_code == (1 if summary["failed"] == 60 else 0), result.output
    if server_key != KEY:
        assert handler.kinds["401"] > 0 and summary["failed"] == 60  # a 401 is not retried
        with __import__("sqlite3").connect(store) as db:
            reasons = [r for (r,) in db.execute("SELECT error FROM responses")]
        assert all("401" in r and "***" in r for r in reasons), reasons[:2]
    else:
        assert summary["failed"] < 60
    report = getattr(__import__("valuelens.report", fromlist=["x"]), "write_report", None)
    outputs = [result.output, result.stderr, caplog.text, *capfd.readouterr()]
    if report is not None and summary["failed"] < 60:
        from valuelens import load_run

        outputs.append(Path(report(load_run(summary["run_id"], store=store), tmp_path / "r.html")).read_text())
    for text in outputs:
        assert KEY not in text
    assert KEY.encode() not in _files_bytes(store)

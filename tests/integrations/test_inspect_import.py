"""`valuelens import-inspect LOG`: an Inspect log of valuelens/dilemmas becomes a run with the full analysis."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("inspect_ai")

from inspect_ai import eval as inspect_eval
from tests.integrations.inspect_mock import mock_model
from tests.servers.openai_fake import serve
from typer.testing import CliRunner

import valuelens
from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.integrations.inspect import dilemmas, outcomes

runner = CliRunner()


def _log(tmp_path: Path, limit: int = 10, epochs: int = 1, **model_kw):
    [log] = inspect_eval(
        dilemmas(),
        model=mock_model(**model_kw),
        limit=limit,
        epochs=epochs,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    return log


def test_imported_run_matches_the_scored_probabilities(tmp_path: Path) -> None:
    log = _log(tmp_path)
    run = valuelens.import_inspect(log.location)
    assert run.record.kind == "dilemmas" and run.record.model == "mockllm/model" and run.record.suite == "core"
    assert run.record.fingerprint == f"inspect:mockllm/model:{log.eval.eval_id}" and not run.failures
    scored = {
        (s.metadata["dilemma_id"], s.metadata["order"]): s.scores["choice_probability"].value for s in log.samples
    }
    loaded = valuelens.load_run(run.run_id)
    assert len(loaded.dilemmas) == 5 and loaded.table.item_ids == [d.id for d in loaded.dilemmas]
    for i, item in enumerate(loaded.table.item_ids):
        assert loaded.table.p_a_first[i] == pytest.approx(scored[(item, 0)])
        assert loaded.table.p_a_second[i] == pytest.approx(scored[(item, 1)])
    summary = loaded.summary()
    assert summary["values"] and summary["position_bias"]["n"] == 5
    again = valuelens.import_inspect(log.location)  # the same log again: the same run, nothing new
    assert again.run_id == run.run_id and again.summary()["values"] == summary["values"]
    assert again.record.stats["model_calls"] == len(log.samples)  # the log's calls, not counted twice


def test_cli_import_then_show(tmp_path: Path) -> None:
    log = _log(tmp_path, limit=8)
    done = runner.invoke(app, ["import-inspect", log.location, "--json"])
    assert done.exit_code == 0, done.output
    run_id = json.loads(done.output)["run_id"]
    shown = runner.invoke(app, ["show", run_id, "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output)["model"] == "mockllm/model"


def test_answers_without_logprobs_are_stored_as_samples_over_epochs(tmp_path: Path) -> None:
    from valuelens.store import Store

    log = _log(tmp_path, limit=4, epochs=3, logprobs=False)
    run = valuelens.import_inspect(log.location)
    with Store() as st:
        keys = [k for *_, k in st.run_items(run.run_id)]
        answers = st.get_ok(keys)
    assert len(answers) == 4
    for result in answers.values():
        assert len(result["samples"]) == 3 and sum(result["counts"].values()) == 3
    assert np.all(np.isin(run.table.p_a_first, [0, 1 / 3, 2 / 3, 1]))


def test_import_matches_a_native_run_on_the_same_server(tmp_path: Path) -> None:
    """The same OpenAI-compatible model asked through Inspect and through valuelens gives the same choices."""
    server, _ = serve(max_requests=200, max_seconds=120)
    url = server.url + "/v1"
    try:
        from inspect_ai.model import get_model

        model = get_model("openai/fake-chat", base_url=url, api_key="k", responses_api=False, memoize=False)
        [log] = inspect_eval(dilemmas(), model=model, limit=6, log_dir=str(tmp_path / "logs"), display="none")
        native = valuelens.run("openai/fake-chat", "core", limit=3, base_url=url)
    finally:
        server.stop()
    imported = valuelens.import_inspect(log.location)
    assert imported.table.item_ids == native.table.item_ids
    assert np.allclose(imported.table.p_a_first, native.table.p_a_first)
    assert np.allclose(imported.table.p_a_second, native.table.p_a_second)


def test_bad_logs_are_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        valuelens.import_inspect(tmp_path / "missing.eval")
    junk = tmp_path / "junk.eval"
    junk.write_text("not a log")
    done = runner.invoke(app, ["import-inspect", str(junk)])
    assert done.exit_code == 2 and "not a readable Inspect log" in done.output
    [log] = inspect_eval(outcomes(pairs=2), model=mock_model(), log_dir=str(tmp_path / "logs"), display="none")
    with pytest.raises(InputError, match="outcome pairs"):
        valuelens.import_inspect(log.location)

"""Run matrices (`valuelens sweep`): planted persona effects are found, none is reported where none was planted."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import valuelens
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.errors import BackendError, InputError
from valuelens.suites import resolve_persona

PLANTED = "synthetic/default?persona=japan:privacy:3"
PLAIN = "synthetic/unbiased@2"
LIMIT = 200
N_BOOT = 100


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    store = tmp_path_factory.mktemp("sweep") / "store.sqlite"
    sw = valuelens.sweep([PLANTED, PLAIN], personas=["japan", "india"], limit=LIMIT, n_boot=N_BOOT, store=store, seed=1)
    return sw.summary()


def _shift(summary: dict, model: str, condition: str) -> dict:
    (found,) = [s for s in summary["shifts"] if s["model"] == model and s["condition"] == condition]
    return found


def test_synthetic_persona_parameter_only_acts_on_its_persona() -> None:
    be = SyntheticBackend("default?persona=japan:privacy:2")
    assert be.steering(resolve_persona("japan")) == {"privacy": 2.0}
    assert be.steering(resolve_persona("india")) == {}
    assert be.steering(None) == {}
    assert SyntheticBackend("default").fingerprint != be.fingerprint
    with pytest.raises(BackendError):
        SyntheticBackend("default?persona=japan:not-a-value:1")


def test_runs_cover_every_model_and_condition(result: dict) -> None:
    pairs = [(r["model"], r["condition"]) for r in result["runs"]]
    conds = ["baseline", "persona:japan", "persona:india"]
    assert pairs == [(m, c) for m in (PLANTED, PLAIN) for c in conds]
    assert len({r["run_id"] for r in result["runs"]}) == 6
    cols = result["utilities"]["columns"]
    assert [c["condition"] for c in cols] == conds * 2
    row = next(r for r in result["utilities"]["values"] if r["name"] == "privacy")
    assert len(row["utilities"]) == 6
    assert result["utilities"]["dimensions"]["schwartz"]
    json.dumps(result)


def test_planted_persona_effect_is_detected(result: dict) -> None:
    moved = _shift(result, PLANTED, "persona:japan")["significant"]
    assert "privacy" in [v["value"] for v in moved]
    privacy = next(v for v in moved if v["value"] == "privacy")
    assert privacy["difference"] > 1.0
    assert privacy["p_holm"] < 0.05


def test_no_effect_where_none_was_planted(result: dict) -> None:
    # the planted model under an unrelated persona, and a model with no persona response at all:
    # no value shifts after Holm correction
    for model, cond in [(PLANTED, "persona:india"), (PLAIN, "persona:japan"), (PLAIN, "persona:india")]:
        s = _shift(result, model, cond)
        assert s["n_values"] > 50
        assert s["significant"] == [], (model, cond, s["significant"])


def test_cli_json_html_and_steerability(tmp_path) -> None:
    store, page = tmp_path / "s.sqlite", tmp_path / "sweep.html"
    args = ["sweep", "--model", PLAIN, "--persona", "<b>a user</b> & co", "--principle", "benevolence"]
    args += ["--limit", "300", "--n-boot", "50", "--store", str(store), "--json", "--html", str(page)]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) >= {"runs", "utilities", "shifts", "steerability"}
    assert [r["condition"] for r in data["runs"]] == ["baseline", "persona:<b>a user</b> & co", "principle:benevolence"]
    (st,) = data["steerability"]
    assert st["supports"] and st["opposes"]
    assert st["effect"] is not None, st["verdict"]
    assert st["ci_low"] > 0 and st["verdict"] == "steerable"
    doc = page.read_text("utf-8")
    assert "<svg" in doc and "&lt;b&gt;a user&lt;/b&gt; &amp; co" in doc and "<b>a user</b>" not in doc
    # a second sweep asks nothing again (the store is shared)
    again = json.loads(CliRunner().invoke(app, args).stdout)
    assert again["model_calls"] == 0 and again["cached_calls"] > 0


def test_bad_input() -> None:
    with pytest.raises(InputError):
        valuelens.sweep([], personas=["japan"])
    out = CliRunner().invoke(app, ["sweep", "--model", PLAIN, "--principle", "no-such-principle", "--json"])
    assert out.exit_code != 0 and "unknown principle" in out.output

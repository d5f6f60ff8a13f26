"""Every kind of stored run works with show, report and export; one error boundary; one backend per sweep model;
persona and principle names resolve the same way from Python and from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import valuelens
from valuelens import errors
from valuelens.backends import Backend, BackendBase
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.cli import app
from valuelens.suites import load_personas, load_principles

MODEL = "synthetic/default"
runner = CliRunner()


def _make(kind: str, store: Path) -> tuple[str, int]:
    """A stored run of `kind` and the rows its default export table should have."""
    if kind == "dilemmas":
        r = valuelens.run(MODEL, limit=12, store=store)
        return r.run_id, len(r.table)
    if kind == "survey":
        s = valuelens.survey(MODEL, store=store)
        return s.run_id, len(s.items)
    u = valuelens.fit_utilities(MODEL, limit=8, store=store)
    return u.run_id, len(u.labels)


@pytest.mark.parametrize("kind", ["dilemmas", "survey", "utilities"])
def test_show_report_and_export_work_for_every_kind(kind: str, tmp_path: Path) -> None:
    store = tmp_path / "kinds.sqlite"
    run_id, rows = _make(kind, store)
    shown = runner.invoke(app, ["show", run_id, "--store", str(store), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["run_id"] == run_id
    table = runner.invoke(app, ["show", run_id, "--store", str(store)])
    assert table.exit_code == 0 and run_id in table.output.replace("\n", "")
    page = tmp_path / "page.html"
    out = runner.invoke(app, ["report", run_id, "--store", str(store), "-o", str(page)])
    assert out.exit_code == 0, out.output
    html = page.read_text(encoding="utf-8")
    assert "<html" in html and MODEL in html
    csv = tmp_path / "rows.csv"
    out = runner.invoke(app, ["export", run_id, "--store", str(store), "-o", str(csv)])
    assert out.exit_code == 0, out.output
    assert len(pd.read_csv(csv)) == rows
    values = tmp_path / "values.jsonl"
    out = runner.invoke(
        app, ["export", run_id, "--store", str(store), "--table", "values", "-f", "jsonl", "-o", str(values)]
    )
    assert out.exit_code == 0, out.output
    assert len(values.read_text(encoding="utf-8").splitlines()) > 0
    bad = runner.invoke(app, ["export", run_id, "--store", str(store), "--table", "nonsense"])
    assert bad.exit_code == 2 and "unknown table 'nonsense'" in bad.output


def test_every_result_follows_the_protocol(tmp_path: Path) -> None:
    store = tmp_path / "p.sqlite"
    a = valuelens.run(MODEL, limit=30, store=store)
    b = valuelens.run(MODEL, limit=30, store=store, persona="japan")
    results = [
        a,
        valuelens.survey(MODEL, store=store, against=a.run_id),
        valuelens.fit_utilities(MODEL, limit=6, store=store),
        valuelens.steer(MODEL, "benevolence", n_boot=50, store=store),
        valuelens.compare([a.run_id, b.run_id], store=store, n_boot=50),
        valuelens.sweep([MODEL], personas=["japan"], limit=30, n_boot=50, store=store),
    ]
    assert [r.kind for r in results] == ["dilemmas", "survey", "utilities", "steer", "comparison", "sweep"]
    for r in results:
        assert isinstance(r, valuelens.StudyResult), type(r)
        assert r.run_id
        assert r.summary().get("kind", "dilemmas") == r.kind
        frames = r.frames()
        assert list(frames) == list(r.frame_names) and all(isinstance(f, pd.DataFrame) for f in frames.values())
        json.dumps(r.report_data(), default=float)


def test_persona_and_principle_names_resolve_in_python_as_in_the_cli(tmp_path: Path) -> None:
    store = tmp_path / "c.sqlite"
    r = valuelens.run(MODEL, limit=5, store=store, persona="japan", principle="benevolence")
    cond = r.record.spec["condition"]
    assert cond["persona"] == load_personas()["japan"].prompt
    assert cond["principle"] == load_principles()["benevolence"].text
    out = runner.invoke(
        app,
        [
            "run",
            "-m",
            MODEL,
            "-n",
            "5",
            "--persona",
            "japan",
            "--principle",
            "benevolence",
            "--store",
            str(store),
            "--json",
        ],
    )
    assert out.exit_code == 0 and json.loads(out.stdout)["run_id"] == r.run_id
    with pytest.raises(errors.InputError, match="unknown principle"):
        valuelens.run(MODEL, limit=5, store=store, principle="benevolense")


def test_sweep_opens_one_backend_per_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import valuelens.runner._session as session_module

    opened: list[str] = []
    real = session_module.get_backend

    def counting(model: str, **kw: object) -> Backend:
        opened.append(model)
        return real(model, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(session_module, "get_backend", counting)
    sw = valuelens.sweep(
        [MODEL, "synthetic/unbiased@2"], personas=["japan"], principles=["power"], limit=20, n_boot=20,
        store=tmp_path / "s.sqlite",
    )  # fmt: skip
    assert len(sw.runs) == 6
    assert opened == [MODEL, "synthetic/unbiased@2"]


def test_any_error_class_of_the_errors_module_exits_with_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    quota = type("QuotaError", (errors.ValuelensError,), {"exit_code": 4, "__module__": "valuelens.errors"})
    bare = type("LaterError", (Exception,), {"exit_code": 5, "__module__": "valuelens.errors"})
    for cls, code in ((quota, 4), (bare, 5), (errors.InputError, 2), (errors.BackendError, 3)):

        def boom(*_a: object, cls: type = cls, **_k: object) -> None:
            raise cls("quota exhausted for today")

        monkeypatch.setattr(valuelens, "load_run", boom)
        out = runner.invoke(app, ["show", "abc"])
        assert out.exit_code == code, (cls, out.output)
        assert out.output.strip() == "quota exhausted for today"


def test_a_bug_is_not_swallowed_by_the_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(valuelens, "load_run", boom)
    out = runner.invoke(app, ["show", "abc"])
    assert out.exit_code == 1 and isinstance(out.exception, KeyError)


def test_backends_declare_their_optional_capabilities() -> None:
    be = SyntheticBackend("default")
    assert isinstance(be, Backend) and isinstance(be, BackendBase)
    assert be.max_concurrency == 1 and be.price is None and be.free_text and not be.batch_submission
    assert not BackendBase.free_text  # generating free text is declared, never assumed
    runner_src = Path(valuelens.__file__).parent / "runner"
    probed = [p.name for p in runner_src.glob("*.py") if "getattr(backend" in p.read_text(encoding="utf-8")]
    assert probed == []

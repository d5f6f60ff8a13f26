"""`run|show --lens NAME` prints that theory lens's table; an unknown lens is refused before any call."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from valuelens.cli import app

runner = CliRunner()


def test_show_prints_the_lens_table_and_its_caveat(tmp_path: Path) -> None:
    store = str(tmp_path / "s.sqlite")
    ran = runner.invoke(app, ["run", "-m", "synthetic/default", "--limit", "30", "--store", store, "--lens", "mft"])
    assert ran.exit_code == 0, ran.output
    assert "Moral Foundations (mft)" in ran.output
    assert "it can disagree" in ran.output
    run_id = ran.output.split("Run ")[1].split(":")[0]
    shown = runner.invoke(app, ["show", run_id, "--store", store, "--lens", "schwartz"])
    assert shown.exit_code == 0, shown.output
    assert "(schwartz)" in shown.output and "Moral Foundations" not in shown.output


def test_unknown_lens_is_one_line_and_no_model_call(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    bad = runner.invoke(app, ["run", "-m", "synthetic/default", "--store", str(store), "--lens", "virtue"])
    assert bad.exit_code == 2
    assert "--lens: unknown lens 'virtue'" in bad.output
    assert "Traceback" not in bad.output
    assert not store.exists()  # refused before the store was opened or a prompt asked

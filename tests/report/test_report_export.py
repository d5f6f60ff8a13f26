"""Exports: the data frames, and CSV / JSONL / Parquet files that read back equal."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import valuelens
from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.report import export_frame

COLUMNS = [
    "item_id", "variant", "domain", "situation", "question", "action_a", "action_b", "values_a", "values_b",
    "parties_a", "parties_b", "p_a_first", "p_a_second", "p_a",
]  # fmt: skip


def test_choices_df_has_one_row_per_dilemma_and_wording(core_run: valuelens.Run) -> None:
    df = core_run.choices_df()
    assert list(df.columns) == COLUMNS and len(df) == len(core_run.table)
    first = core_run.dilemmas[0]
    row = df.iloc[0]
    assert row["item_id"] == first.id and row["action_a"] == first.action_a.text
    assert row["values_a"] == "; ".join(first.action_a.values)
    np.testing.assert_allclose(df["p_a"], (df["p_a_first"] + df["p_a_second"]) / 2)
    np.testing.assert_allclose(df["p_a"], core_run.table.p_a)


def test_choices_df_uses_paraphrase_wording(tmp_path: Path) -> None:
    run = valuelens.run("synthetic/default", "core", paraphrases=True, limit=40, store=tmp_path / "s.sqlite")
    df = run.choices_df()
    para = df[df["variant"] > 0]
    assert len(para) > 0
    first = para.iloc[0]
    source = next(d for d in run.dilemmas if d.id == first["item_id"])
    assert first["situation"] == source.paraphrases[int(first["variant"]) - 1].situation
    assert first["values_a"] == "; ".join(source.action_a.values)


def test_values_df_matches_the_summary(core_run: valuelens.Run) -> None:
    df = core_run.values_df()
    values = core_run.summary()["values"]
    assert list(df["value"]) == [v["value"] for v in values]
    assert {"value", "score", "ci_low", "ci_high", "n"} <= set(df.columns)


def _read(fmt: str, path: Path) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    if fmt == "jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_parquet(path)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_round_trip(core_run: valuelens.Run, tmp_path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    for frame in (core_run.choices_df(), core_run.values_df()):
        path = export_frame(frame, fmt, tmp_path / f"out.{fmt}")
        back = _read(fmt, path)
        pd.testing.assert_frame_equal(back, frame, check_dtype=False, check_exact=False, rtol=1e-12)


def test_parquet_without_pyarrow_is_one_clear_error(
    core_run: valuelens.Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    with pytest.raises(InputError, match=r"needs pyarrow: pip install 'valuelens\[parquet\]'"):
        export_frame(core_run.choices_df(), "parquet", tmp_path / "x.parquet")


def test_export_command(core_run: valuelens.Run, tmp_path: Path) -> None:
    runner = CliRunner()
    store = str(core_run.store_path)
    out = tmp_path / "c.jsonl"
    res = runner.invoke(app, ["export", core_run.run_id, "--format", "jsonl", "-o", str(out), "--store", store])
    assert res.exit_code == 0, res.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(core_run.table)
    res = runner.invoke(app, ["export", core_run.run_id, "--table", "values", "--store", store])
    assert res.exit_code == 0 and Path(f"{core_run.run_id}-values.csv").exists()
    res = runner.invoke(app, ["export", core_run.run_id, "--format", "xml", "--store", store])
    assert res.exit_code != 0 and "unknown format 'xml'" in res.output

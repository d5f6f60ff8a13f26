"""User text printed as typed (no Rich markup, no emoji codes); run ids whole at 80 columns."""

from __future__ import annotations

import io

from rich.console import Console

from valuelens.report import print_runs, print_sweep
from valuelens.report._terminal import print_run


def _console(width: int = 80) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=width, force_terminal=False, color_system=None), buf


def test_runs_show_whole_ids_at_80_columns() -> None:
    rows = [
        {
            "run_id": f"{i:x}" * 12,
            "kind": "dilemmas",
            "model": "openai/meta-llama/Llama-3.1-70B-Instruct?api=completions&top=20",
            "suite": "/home/someone/projects/values/suites/my-long-suite-name.jsonl",
            "status": "incomplete",
            "calls": 123456,
            "failed": 7,
        }
        for i in range(10, 13)
    ]
    console, buf = _console(80)
    print_runs(rows, console)
    text = buf.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    for r in rows:
        assert r["run_id"] in text  # whole, on one line: copyable
    assert "123456" in text


def test_sweep_lines_keep_emoji_codes_and_brackets_literal() -> None:
    summary = {
        "shifts": [
            {"model": "m[bold]x", "condition": "persona:japan", "significant": [{"value": "care", "difference": 0.12}]}
        ],
        "steerability": [{"model": "m", "condition": "persona:japan:", "effect": None, "verdict": "[red]n/a"}],
    }
    console, buf = _console(200)
    print_sweep(summary, console)
    text = buf.getvalue()
    assert "m[bold]x | persona:japan: 1 values moved (Holm): care +0.12" in text
    assert "m | persona:japan:: steering effect n/a ([red]n/a)" in text
    assert "\N{SILHOUETTE OF JAPAN}" not in text


def test_run_summary_prints_model_and_suite_as_typed() -> None:
    value = {"value": ":japan:", "score": 10.0, "ci_low": -5.0, "ci_high": 20.0, "n": 4}
    summary = {
        "model": "llamacpp/[dim]model",
        "suite": "suites/:japan:.jsonl",
        "items": 2,
        "values": [value],
        "reliability": None,
        "position_bias": {"value": 0.0, "ci_low": -0.1, "ci_high": 0.1, "n": 2},
        "failed": 0,
        "run_id": "abc",
        "model_calls": 4,
        "cached_calls": 0,
        "seconds": 1.0,
        "store": "/tmp/[x]/s.sqlite",
    }
    console, buf = _console(200)
    print_run(summary, console)
    text = buf.getvalue()
    assert "llamacpp/[dim]model on suite suites/:japan:.jsonl" in text
    assert ":japan:" in text.split("Values chosen most", 1)[1]
    assert "/tmp/[x]/s.sqlite" in text and "\N{SILHOUETTE OF JAPAN}" not in text


def test_drift_table_prints_value_names_as_typed() -> None:
    from valuelens.report._drift_terminal import print_drift

    point = {"step": 0.0, "utility": 0.1, "ci_low": 0.0, "ci_high": 0.2}
    value = {
        "value": "[bold]zeal[/bold] :japan:",
        "trajectory": [point, point | {"step": 1.0}],
        "magnitude": 0.0,
        "magnitude_ci_low": -0.1,
        "magnitude_ci_high": 0.1,
        "drift_step": 1.0,
        "drift_step_ci_low": 1.0,
        "drift_step_ci_high": 1.0,
        "p_holm": 1.0,
        "n": 3,
        "significant": False,
    }
    summary = {
        "steps": [0.0, 1.0],
        "n_shared": 3,
        "significant": 0,
        "of": 1,
        "values": [value],
        "theories": {},
        "correlations": [],
        "runs": [{"step": 0.0, "run_id": "a"}, {"step": 1.0, "run_id": "b"}],
        "model_calls": 0,
        "cached_calls": 0,
    }
    console, buf = _console(200)
    print_drift(summary, console)
    assert "[bold]zeal[/bold] :japan:" in buf.getvalue()


def test_store_merge_line_prints_paths_as_typed(tmp_path) -> None:
    from typer.testing import CliRunner

    import valuelens
    from valuelens.cli import app

    stores = [tmp_path / "[x] :japan: a.sqlite", tmp_path / "b.sqlite"]
    for s, n in zip(stores, (2, 3), strict=True):
        valuelens.run("synthetic/default", limit=n, store=s)
    out = tmp_path / "[red]all :japan:.sqlite"
    got = CliRunner().invoke(app, ["store", "merge", str(out), *map(str, stores)])
    assert got.exit_code == 0, got.output
    assert got.stdout.startswith(f"{out}: ") and "\N{SILHOUETTE OF JAPAN}" not in got.stdout

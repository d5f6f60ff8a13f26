"""The --lens table and the consistency lines of the run's terminal output."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import valuelens
from valuelens.report._terminal import consistency_lines, print_lens


def test_lens_table_and_consistency_lines() -> None:
    summary = valuelens.run("synthetic/default", "core", limit=60).summary()
    out = io.StringIO()
    print_lens(summary, "mft", Console(file=out, width=140))
    text = out.getvalue()
    dims = summary["theories"]["mft"]["dimensions"]
    assert summary["theories"]["mft"]["title"] in text and all((d.get("label") or d["dimension"]) in text for d in dims)
    assert "can disagree with the utility" in text
    with pytest.raises(ValueError, match="no lens 'nope'"):
        print_lens(summary, "nope")
    lines = consistency_lines(summary)
    assert lines[0].startswith("Position bias in logits") and lines[1].startswith("Order consistency")
    assert f"n={summary['consistency']['order']['n']}" in lines[1]

"""The HTML report: panels render when their data is present and only then; it never reaches out."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from report_fakes import THEORIES, comparison, enrich, utilities_summary
from typer.testing import CliRunner

import valuelens
from valuelens.cli import app
from valuelens.lexicon import load_lexicon
from valuelens.report import figure_svgs, render_comparison_html, render_report_html, write_figures


def panels(html: str) -> list[str]:
    return re.findall(r'data-panel="([^"]+)"', html)


def embedded(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="valuelens-data">(.*?)</script>', html, re.S)
    assert m is not None
    return json.loads(m.group(1))


def test_real_run_has_its_panels_and_no_others(core_run: valuelens.Run) -> None:
    html = render_report_html(core_run.report_data())
    assert panels(html) == ["header", "headline", "values", "reliability", "theories", "moral-graph", "dilemmas"]
    for tid in THEORIES:
        assert f'data-theory="{tid}"' in html
    assert html.count("<tr data-item=") == len(core_run.table)
    assert "Value profile of synthetic/default" in html
    data = embedded(html)
    assert data["run_id"] == core_run.run_id and "dilemmas" not in data


def test_schwartz_circle_follows_the_canonical_order(core_run: valuelens.Run) -> None:
    html = render_report_html(core_run.report_data())
    lens = html.split('data-theory="schwartz"', 1)[1].split('data-theory="schwartz_higher"', 1)[0]
    theory = load_lexicon().theories["schwartz"]
    labels = [theory.label(d) for d in theory.circle_order]
    positions = [lens.index(f">{label}</text>") for label in labels]
    assert positions == sorted(positions)
    assert "Openness to change" in lens  # the higher-order groups shade the circle


def test_every_analysis_key_adds_its_panel(core_run: valuelens.Run) -> None:
    data = enrich(core_run.report_data())
    html = render_report_html(data)
    assert panels(html) == ["header", "headline", "values", "reliability", "theories", "moral-graph", "dilemmas"]
    assert data["reliability"]["verdict"] in html
    for stat in ("position bias", "order consistency", "split-half reliability"):
        assert f'data-stat="{stat}"' in html
    assert 'data-stat="paraphrase consistency"' not in html  # null in the data: no tile
    assert "Value ranking (utilities)" in html and "rank low" in html
    assert 'id="graph-table"' in html


def test_plain_summary_renders_without_report_extras(core_run: valuelens.Run) -> None:
    """The summary alone (no choices) renders every analysis panel but not the dilemma explorer."""
    html = render_report_html(core_run.summary())
    assert panels(html) == ["header", "headline", "values", "reliability", "theories", "moral-graph"]


def test_empty_and_odd_data_render() -> None:
    assert panels(render_report_html({})) == ["header"]
    odd = {"values": [{"value": "honesty", "score": float("nan"), "ci_low": None, "ci_high": None, "n": 1}]}
    html = render_report_html(odd)
    assert "values" in panels(html)
    assert embedded(html)["values"][0]["score"] is None  # NaN becomes null: strict JSON


def test_utilities_run_shows_the_utilities_view() -> None:
    html = render_report_html(utilities_summary([f"{n} people are saved" for n in range(1, 30)]))
    assert panels(html) == ["header", "utilities"]
    assert "Preferences of synthetic/default over outcomes" in html
    for key in ("holdout_accuracy", "holdout_log_loss", "cycle_probability", "decisiveness"):
        assert f'data-stat="{key}"' in html
    assert 'id="rates-matrix"' in html and 'id="outcomes-table"' in html
    matrix = html[html.index('id="rates-matrix"') :]
    matrix = matrix[: matrix.index("</table>")]
    assert '<span class="ci">[0.31, 0.97]</span>' in matrix  # each rate with its interval
    assert '<span class="ci">[1.03, \u221e]</span>' in matrix  # an open upper end


def test_no_external_resources(core_run: valuelens.Run) -> None:
    html = render_report_html(enrich(core_run.report_data()))
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    assert not re.search(r"\b(src|href)\s*=\s*\"(?!#)", html)  # only in-page anchors
    assert "@import" not in html and "url(http" not in html and "//cdn" not in html
    assert "default-src 'none'" in html.replace("&#x27;", "'")  # content policy forbids any fetch


def test_comparison_page_highlights_significant_shifts(core_run: valuelens.Run) -> None:
    a = enrich(core_run.summary())
    b = enrich(core_run.summary(), seed=1)
    for v in b["values"][:3]:
        v["score"] = -v["score"]
    data = comparison(a, b)
    html = render_comparison_html(data)
    assert panels(html) == ["header", "headline", "profiles", "differences"]
    n_sig = sum(r["significant"] for r in data["values"])
    assert n_sig > 0 and html.count('<tr class="sig">') == n_sig
    assert f"{n_sig} of {len(data['values'])} values shift significantly" in html


def test_run_report_flag_and_report_command(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["run", "-m", "synthetic/default", "--limit", "12", "--report"])
    assert res.exit_code == 0, res.output
    path = re.search(r"Report: (\S+\.html)", res.output).group(1)
    assert Path(path).exists() and len(res.output.splitlines()) < 40  # still short
    run_id = re.search(r"Run (\w+):", res.output).group(1)
    out = tmp_path / "sub" / "r.html"
    res = runner.invoke(app, ["report", run_id, "-o", str(out), "--figures", str(tmp_path / "figs")])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    svgs = sorted(p.name for p in (tmp_path / "figs").glob("*.svg"))
    assert "values.svg" in svgs and "theory_schwartz.svg" in svgs
    res = runner.invoke(app, ["report", "no-such-run"])
    assert res.exit_code != 0 and "not found" in res.output


def test_figures_are_standalone_svg(core_run: valuelens.Run, tmp_path: Path) -> None:
    data = enrich(core_run.report_data())
    written = write_figures(data, tmp_path)
    assert {p.stem for p in written} == set(figure_svgs(data)) >= {"values", "moral_graph", "theory_schwartz"}
    for p in written:
        root = ET.parse(p).getroot()  # well-formed XML
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert float(root.get("width")) > 100 and float(root.get("height")) > 50
        assert "class=" not in p.read_text(encoding="utf-8").split("<title>", 1)[0]


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium")
def test_png_figure(core_run: valuelens.Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from valuelens.report import _figures

    monkeypatch.setattr(_figures, "figure_svgs", lambda data: {"values": figure_svgs(data)["values"]})
    written = write_figures(core_run.report_data(), tmp_path, png=True)
    png = tmp_path / "values.png"
    assert png in written and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""The report in a real browser: headless Chromium over the DevTools protocol.

Opens generated pages from file:// URLs and checks: no console errors, no network request but
the file itself, a non-blank screenshot, the key panels in the DOM, working search and sort, and
that no injected payload runs while its text still reads correctly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_browser import CHROMIUM, Browser, colour_stats
from report_fakes import comparison, enrich, utilities_summary
from report_payloads import PAYLOADS

import valuelens
from valuelens.report import render_comparison_html, render_report_html

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs headless Chromium at /usr/bin/chromium")

KEY_PANELS = ("header", "headline", "values", "reliability", "theories", "dilemmas")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    pytest.importorskip("websocket", reason="needs websocket-client")
    with Browser(width=1280, height=1000) as b:
        yield b


def _load(browser: Browser, path: Path) -> None:
    browser.open(path)
    browser.settle()
    assert browser.errors() == []
    assert browser.requests() == [path.resolve().as_uri()]
    assert browser.evaluate("performance.getEntriesByType('resource').length") == 0


def test_report_opens_cleanly_and_works(browser: Browser, core_run: valuelens.Run, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_report_html(enrich(core_run.report_data())), encoding="utf-8")
    _load(browser, path)
    for key in (*KEY_PANELS, "moral-graph"):
        assert browser.evaluate(f"!!document.querySelector('section[data-panel=\"{key}\"], #{key}')"), key
    assert browser.evaluate("document.querySelectorAll('#theories svg').length") == 8
    distinct, share = colour_stats(browser.screenshot(scale=0.5))
    assert distinct > 20 and share > 0.05  # not blank: many colours, much ink
    rows = len(core_run.table)
    # search: typing filters the explorer rows
    shown = browser.evaluate(
        """(() => { const i = document.querySelector('input[data-table="explorer"]');
        i.value = 'tomas'; i.dispatchEvent(new Event('input'));
        return [...document.querySelectorAll('#explorer tbody tr')].filter(r => !r.hidden).length; })()"""
    )
    assert 0 < shown < rows
    assert browser.evaluate("document.getElementById('explorer-count').textContent") == f"{shown} of {rows} shown"
    # sort: clicking the mean column twice puts the largest P(A) first
    top = browser.evaluate(
        """(() => { const b = document.querySelectorAll('#explorer thead button')[7]; b.click(); b.click();
        return parseFloat(document.querySelector('#explorer tbody tr').cells[7].dataset.v); })()"""
    )
    assert top == pytest.approx(max(core_run.table.p_a))
    assert browser.errors() == []


def test_injected_payloads_never_run(browser: Browser, evil_run: valuelens.Run, tmp_path: Path) -> None:
    page = render_report_html(evil_run.report_data())
    # once as written, once without the content policy, so escaping alone must stop the payloads
    bare = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    assert bare != page
    for name, text in (("report.html", page), ("bare.html", bare)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        _load(browser, path)
        browser.settle(0.5)
        assert browser.evaluate("typeof window.__pwned") == "undefined"
        assert browser.evaluate("document.scripts.length") == 2
        assert browser.evaluate("document.querySelectorAll('img, iframe, [onerror], [onload]').length") == 0
        # the text still reads as written: open every <details> so innerText includes the situations
        visible = browser.evaluate(
            "document.querySelectorAll('details').forEach(d => d.open = true), document.body.innerText"
        )
        for p in PAYLOADS:
            readable = p.replace("\u2028", "").replace("\u2029", "").strip()
            assert readable in visible.replace("\u2028", "").replace("\u2029", ""), p
        data = json.loads(browser.evaluate("document.getElementById('valuelens-data').textContent"))
        assert data["condition"]["persona"] == PAYLOADS[1]
        assert browser.errors() == []


def test_comparison_and_utilities_pages_open_cleanly(browser: Browser, core_run: valuelens.Run, tmp_path: Path) -> None:
    a, b = enrich(core_run.summary()), enrich(core_run.summary(), seed=2)
    pages = {
        "compare.html": (render_comparison_html(comparison(a, b)), ("headline", "profiles", "differences")),
        "utilities.html": (render_report_html(utilities_summary(["a cure", "a road", "a park"])), ("utilities",)),
    }
    for name, (text, keys) in pages.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        _load(browser, path)
        for key in keys:
            assert browser.evaluate(f"!!document.getElementById('{key}')"), key
        distinct, _ = colour_stats(browser.screenshot(scale=0.5))
        assert distinct > 10

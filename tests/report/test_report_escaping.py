"""Every piece of user text is escaped: payloads in the suite, prompts and names stay text."""

from __future__ import annotations

import html as htmllib
import json
import re

from report_payloads import PAYLOADS, SUITE_NAME

import valuelens
from valuelens.report import render_comparison_html, render_report_html
from valuelens.report._page import script_json

RAW = ("<script>window", "<img src=x", "<svg onload", "<iframe", 'onerror="window', "<!--<script")


def test_payload_suite_report_escapes_everything(evil_run: valuelens.Run) -> None:
    page = render_report_html(evil_run.report_data())
    for raw in RAW:
        assert raw not in page, raw
    assert page.count("<script") == 2  # the embedded data and our own script, nothing else
    for p in PAYLOADS:
        assert htmllib.escape(p, quote=True) in page, p  # the text is there, escaped
    assert htmllib.escape(SUITE_NAME, quote=True) in page


def test_embedded_json_cannot_close_its_script(evil_run: valuelens.Run) -> None:
    page = render_report_html(evil_run.report_data())
    body = re.search(r'id="valuelens-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in body and ">" not in body and "\u2028" not in body
    data = json.loads(body)
    assert data["condition"]["system_prompt"] == PAYLOADS[2] + " " + PAYLOADS[0]
    assert data["suite"] == SUITE_NAME


def test_script_json_round_trips_dangerous_text() -> None:
    tricky = {"a": "</script><!--<script>\u2028\u2029&", "b": ["</SCRIPT>", "-->"]}
    text = script_json(tricky)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == tricky


def test_comparison_escapes_names_and_values(evil_run: valuelens.Run) -> None:
    run = evil_run.summary() | {"model": PAYLOADS[1], "run_id": PAYLOADS[0]}
    rows = [{"value": PAYLOADS[3], "a": 0.1, "b": 0.9, "diff": 0.8, "ci_low": 0.5, "ci_high": 1.1,
             "p": 0.001, "p_holm": 0.01, "significant": True}]  # fmt: skip
    page = render_comparison_html({"runs": [run, run], "values": rows, "spearman": 1.0})
    for raw in RAW:
        assert raw not in page, raw
    assert page.count("<script") == 2
    assert htmllib.escape(PAYLOADS[3], quote=True) in page

"""The page around the panels: inline styles and script, a strict content policy, embedded data."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from valuelens.report._svg import esc


@dataclass(frozen=True)
class Panel:
    """One section of a report: `body` is finished markup, `key` its id and data-panel name."""

    key: str
    title: str
    body: str
    intro: str = ""  # markup: one paragraph under the title

    def render(self) -> str:
        intro = f'<p class="sub">{self.intro}</p>' if self.intro else ""
        return (
            f'<section class="panel" id="{esc(self.key)}" data-panel="{esc(self.key)}">'
            f"<h2>{esc(self.title)}</h2>{intro}{self.body}</section>"
        )


@cache
def asset(name: str) -> str:
    """A bundled stylesheet or script (report/assets/NAME)."""
    return resources.files("valuelens.report").joinpath("assets", name).read_text("utf-8")


def script_json(obj: Any) -> str:
    """JSON that is safe inside a <script> element: no '<', '>', '&', U+2028 or U+2029 stays literal."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=_plain)
    for ch in ("<", ">", "&", "\u2028", "\u2029"):
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def _plain(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    return str(obj)


def _finite(obj: Any) -> Any:
    """NaN and infinities become null, so the embedded data is strict JSON."""
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    # Only our own script (by hash) may run, and nothing may be fetched: no network by construction.
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
    )


def page(doc_title: str, heading: str, panels: list[Panel], data: dict[str, Any], footer: str = "") -> str:
    """A complete HTML document: a table of contents, the panels, embedded data and the script.

    Args:
        doc_title: the browser tab title (plain text).
        heading: markup of the page heading block (already escaped).
        panels: the sections in order; each is linked from the table of contents.
        data: JSON-ready object embedded as <script type="application/json" id="valuelens-data">.
        footer: markup of the footer line.
    """
    script = asset("report.js")
    toc = "".join(f'<a href="#{esc(p.key)}">{esc(p.title)}</a>' for p in panels)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_csp(script))}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="valuelens"><title>{esc(doc_title)}</title>'
        f"<style>{asset('report.css')}</style></head><body><main>"
        f'{heading}<nav class="toc" aria-label="Sections">{toc}</nav>'
        f"{''.join(p.render() for p in panels)}"
        f"<footer>{footer}</footer></main>"
        f'<script type="application/json" id="valuelens-data">{script_json(_finite(data))}</script>'
        f"<script>{script}</script></body></html>\n"
    )

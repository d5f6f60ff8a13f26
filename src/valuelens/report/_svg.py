"""SVG building blocks: escaping, scales, colours and the few shapes the charts draw.

Every shape takes its styling as presentation attributes (no CSS classes), so a chart looks the
same inline in the report and as a standalone figure file.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

FONT = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif'
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#d8dee4"
FAINT = "#f3f5f7"
FOR = "#0072B2"  # Okabe-Ito blue: interval above 0
AGAINST = "#D55E00"  # Okabe-Ito vermillion: interval below 0
NEUTRAL = "#6e7781"
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CHAR_W = 6.4  # rough width of one character at 12px, for sizing label columns


def esc(value: object) -> str:
    """Text escaped for HTML and SVG text and attribute contexts (quotes included)."""
    return html.escape(str(value), quote=True)


def num(x: float) -> str:
    """A coordinate: compact, never scientific."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if math.isfinite(x) else "0"


def is_num(x: Any) -> bool:
    """True for a finite int or float (not bool, None or NaN)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def attrs(a: Mapping[str, object]) -> str:
    """` k="v"` pairs, escaped; a trailing underscore is dropped and `_` becomes `-` in keys."""
    out = []
    for k, v in a.items():
        if v is None:
            continue
        key = k.rstrip("_").replace("_", "-")
        out.append(f' {key}="{esc(num(v) if isinstance(v, float) else v)}"')
    return "".join(out)


def tag(name: str, body: str = "", **a: object) -> str:
    """One element; `body` must already be markup (escape text with `esc`)."""
    return f"<{name}{attrs(a)}>{body}</{name}>" if body else f"<{name}{attrs(a)}/>"


def text(x: float, y: float, s: object, **a: object) -> str:
    """A text element with escaped content."""
    a.setdefault("fill", INK)
    return tag("text", esc(s), x=float(x), y=float(y), **a)


def title(s: object) -> str:
    """A native tooltip for the enclosing SVG group."""
    return f"<title>{esc(s)}</title>"


def svg(width: float, height: float, body: str, label: str, role_id: str | None = None) -> str:
    """A root SVG element with its accessible name and a white background."""
    bg = tag("rect", x=0.0, y=0.0, width=float(width), height=float(height), fill="#ffffff")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{attrs({"id": role_id})} viewBox="0 0 {num(width)} {num(height)}" '
        f'width="{num(width)}" height="{num(height)}" role="img" aria-label="{esc(label)}" '
        f'font-family="{esc(FONT)}" font-size="12">{title(label)}{bg}{body}</svg>'
    )


class Scale:
    """A linear map from a data interval onto a pixel interval."""

    def __init__(self, lo: float, hi: float, a: float, b: float) -> None:
        self.lo, self.hi, self.a, self.b = lo, hi, a, b

    def __call__(self, x: float) -> float:
        span = self.hi - self.lo or 1.0
        t = min(max((x - self.lo) / span, -0.02), 1.02)  # clamp wild values just past the axis
        return self.a + t * (self.b - self.a)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick positions covering [lo, hi]."""
    if not (is_num(lo) and is_num(hi)) or hi <= lo:
        return [lo] if is_num(lo) else [0.0]
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def padded_range(values: list[float], include_zero: bool = True) -> tuple[float, float]:
    """A data range with 5% padding (and 0 inside it when asked), for free-scaled axes."""
    vals = [v for v in values if is_num(v)] + ([0.0] if include_zero else [])
    if not vals:
        return -1.0, 1.0
    lo, hi = min(vals), max(vals)
    pad = (hi - lo) * 0.05 or 1.0
    return lo - pad, hi + pad


def sign_colour(lo: Any, hi: Any, zero: float = 0.0) -> str:
    """Blue when the interval lies above `zero`, vermillion below, grey when it spans it or is missing."""
    if is_num(lo) and lo > zero:
        return FOR
    if is_num(hi) and hi < zero:
        return AGAINST
    return NEUTRAL


def fmt(x: Any, digits: int = 0, signed: bool = True) -> str:
    """A number for people: signed, fixed digits, a real minus sign; '–' when missing."""
    if not is_num(x):
        return "–"
    s = f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    return s.replace("-", "\u2212")


def fmt_ci(lo: Any, hi: Any, digits: int = 0, signed: bool = True) -> str:
    """'[lo, hi]' or 'no interval (n too small)'."""
    if not (is_num(lo) and is_num(hi)):
        return "no interval (n too small)"
    return f"[{fmt(lo, digits, signed)}, {fmt(hi, digits, signed)}]"

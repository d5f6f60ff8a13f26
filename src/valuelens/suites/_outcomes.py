"""Outcome files from outside: Utility Engineering category trees, and quantity series in plain lists.

Series rule: outcomes whose texts are identical except for one number form a quantity series. A
number is a run of digits (thousands commas allowed: "1,000"; decimals allowed), optionally after
"$" and before a scale word (thousand, million, billion, trillion), not part of a word ("B200",
"10th"). Texts are compared ignoring case, spacing and final punctuation, with every word in
the singular ("1 new book" ~ "10 new books", "1 person" ~ "10 people") and is/are, was/were,
has/have unified. A series needs at least two distinct quantities; each outcome joins at most one
series (the largest first). The series id is a slug of its first outcome's text with the number
as "n" (long slugs are cut and given a short hash); the quantity is the number times its scale
word ("$1,000" -> 1000, "2 million" -> 2e6).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from valuelens.errors import InputError
from valuelens.suites._records import MAX_FIELD_CHARS, NonFinite, loads, read_lines

_NUMBER = re.compile(
    r"(?<![\w.,$])(?P<dollar>\$)?(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<decimals>\.\d+)?"
    r"(?:\s+(?P<scale>thousand|million|billion|trillion)\b)?(?!\w|,\d)",
    re.IGNORECASE,
)
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_IRREGULAR = {
    "are": "is",
    "were": "was",
    "have": "has",
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "lives": "life",
    "mice": "mouse",
    "geese": "goose",
    "teeth": "tooth",
    "feet": "foot",
}
SLUG_MAX = 60


def parse_quantity(match: re.Match[str]) -> float:
    """The quantity of one number match: digits without commas, times the scale word."""
    value = float(match["digits"].replace(",", "") + (match["decimals"] or ""))
    return value * _SCALE.get((match["scale"] or "").lower(), 1.0)


def _singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _template(text: str, m: re.Match[str]) -> str:
    """The text with match m as a placeholder, normalised so that only the number tells texts apart."""
    slot = " $# " if m["dollar"] else " # "
    joined = (text[: m.start()] + slot + text[m.end() :]).lower().rstrip(".!;: ")
    return re.sub(r"[a-z]+", lambda w: _singular(w[0]), " ".join(joined.split()))


def _slug(text: str, m: re.Match[str], template: str) -> str:
    """A readable id from the first outcome of a series: its text with the number as "n"."""
    raw = (text[: m.start()] + " n " + text[m.end() :]).lower()
    slug = re.sub(r"[^a-z0-9]+", "_", raw).strip("_") or "series"
    if len(slug) <= SLUG_MAX:
        return slug
    digest = hashlib.sha1(template.encode()).hexdigest()[:8]
    return f"{slug[: SLUG_MAX - 9].rstrip('_')}_{digest}"


def detect_series(texts: Sequence[str]) -> list[tuple[str, float] | None]:
    """For each text, (series id, quantity) when it belongs to a quantity series, else None.

    See the module docstring for the rule; the result is deterministic and order-preserving.
    """
    groups: dict[str, list[tuple[int, re.Match[str]]]] = {}
    for i, text in enumerate(texts):
        for m in _NUMBER.finditer(text):
            groups.setdefault(_template(text, m), []).append((i, m))
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[1][0][0]))
    out: list[tuple[str, float] | None] = [None] * len(texts)
    used_ids: set[str] = set()
    for template, members in ranked:
        free = [(i, m) for i, m in members if out[i] is None]
        if len({parse_quantity(m) for _, m in free}) < 2:
            continue
        first, first_match = free[0]
        base = sid = _slug(texts[first], first_match, template)
        k = 2
        while sid in used_ids:  # two series whose first texts slug alike
            sid, k = f"{base}_{k}", k + 1
        used_ids.add(sid)
        for i, m in free:
            out[i] = (sid, parse_quantity(m))
    return out


class _Lines:
    """Line numbers of JSON strings, found in document order (json itself keeps no positions)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.cursor = 0

    def find(self, value: object) -> int:
        """The line of the next occurrence of a scalar `value`; the current line otherwise."""
        if isinstance(value, NonFinite):
            needle = value.token
        elif value is None or isinstance(value, str | int | float):
            needle = json.dumps(value, ensure_ascii=False)
        else:
            needle = ""
        if needle:
            at = self.raw.find(needle, self.cursor)
            if at >= 0:
                self.cursor = at + len(needle)
        return self.raw.count("\n", 0, self.cursor) + 1


def read_outcome_tree(path: Path) -> list[tuple[int, str, str]]:
    """(line, category, text) for every outcome of a JSON file {category: [text, ...]}.

    Categories may nest ({"A": {"B": [...]}}); a nested category is its path joined by " / ". A
    top-level list of texts is one category, "uncategorised".

    Raises:
        InputError: one `file:line: field: problem` line per problem.
    """
    shown = str(path)
    raw = "".join(read_lines(path))
    tree, line, problem = loads(raw)
    if problem is not None:
        raise InputError(f"{shown}:{line}: file: {problem}")
    lines = _Lines(raw)
    out: list[tuple[int, str, str]] = []
    problems: list[str] = []
    first_seen: dict[str, int] = {}

    def walk(node: Any, path_: list[str]) -> None:
        category = " / ".join(path_) or "uncategorised"
        if isinstance(node, dict):
            for key, child in node.items():
                line = lines.find(key)
                if isinstance(child, dict | list):
                    walk(child, [*path_, key.strip()])
                else:
                    problems.append(f"{shown}:{line}: {key}: expected a list of outcomes or an object of categories")
            return
        for i, item in enumerate(node):
            line = lines.find(item)
            field = f"{category}[{i}]"
            if isinstance(item, NonFinite):
                problems.append(f"{shown}:{line}: {field}: not a finite number ({item.token})")
            elif not isinstance(item, str):
                problems.append(f"{shown}:{line}: {field}: expected outcome text (a string), got {type(item).__name__}")
            elif len(item) > MAX_FIELD_CHARS:
                problems.append(f"{shown}:{line}: {field}: text longer than {MAX_FIELD_CHARS:,} characters")
            elif not item.strip():
                problems.append(f"{shown}:{line}: {field}: empty outcome text")
            elif (text := " ".join(item.split())) in first_seen:
                problems.append(f"{shown}:{line}: {field}: duplicate outcome (first on line {first_seen[text]})")
            else:
                first_seen[text] = line
                out.append((line, category, text))

    if isinstance(tree, dict | list):
        walk(tree, [])
    else:
        problems.append(f"{shown}:1: file: expected a JSON object {{category: [outcome, ...]}}")
    if not out and not problems:
        problems.append(f"{shown}:1: file: no outcomes")
    if problems:
        raise InputError(problems)
    return out

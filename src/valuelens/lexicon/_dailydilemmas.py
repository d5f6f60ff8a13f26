"""DailyDilemmas' own theory mapping (its `values.csv`): each of its value names placed by hand in the
World Values Survey, Moral Foundations, Aristotle's virtues, Plutchik's emotions and Maslow.

With it, the five lenses of a run use the paper's dimensions (its names, e.g. MFT "purity", Plutchik
dyads such as "optimism") instead of valuelens's lexicon, so lens results can be set beside the paper's.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from valuelens.errors import InputError

PREFIX = "dailydilemmas:"
COLUMNS = {"wvs": "WVS", "mft": "MFT", "aristotle": "Virtue", "plutchik": "Emotion", "maslow": "Maslow"}
"""valuelens theory id -> the column of values.csv that places a value in it."""


def _key(name: str) -> str:
    return " ".join(name.split()).lower()  # as the DailyDilemmas loader stores value names


def _dim(cell: str) -> str:
    return " ".join(cell.split()).lower()


@dataclass(frozen=True)
class TheoryMap:
    """A hand mapping of value names onto theory dimensions, read from a file.

    Attributes:
        name: "dailydilemmas".
        source: the file it was read from.
        places: theory id -> value name (lower case) -> its dimension ("" when the file leaves it blank).
    """

    name: str
    source: str
    places: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def theories(self) -> list[str]:
        return list(self.places)

    @property
    def n_values(self) -> int:
        return len(next(iter(self.places.values()), {}))

    def dimensions(self, theory: str) -> list[str]:
        """The dimensions of `theory` in this mapping, in first-seen order."""
        return list(dict.fromkeys(d for d in self.places[theory].values() if d))

    def membership(self, theory: str, canonical: Callable[[str], str | None] | None = None) -> dict[str, list[str]]:
        """Value name -> [dimension] (or [] when unplaced) for `theory`.

        Args:
            theory: one of `theories`.
            canonical: the name a suite stores for a value name (the DailyDilemmas loader stores the
                lexicon name where one matches); that name then carries the union of the dimensions
                of every file name stored under it.
        """
        out: dict[str, list[str]] = {}
        for value, dim in self.places[theory].items():
            keys = {value} | ({c} if canonical and (c := canonical(value)) else set())
            for k in keys:
                dims = out.setdefault(k, [])
                if dim and dim not in dims:
                    dims.append(dim)
        return out

    def describe(self) -> dict[str, object]:
        """What a summary says about the lexicon used."""
        return {
            "name": self.name,
            "source": self.source,
            "values": self.n_values,
            "theories": {t: self.dimensions(t) for t in self.theories},
        }


def load_theory_map(spec: str) -> TheoryMap:
    """`dailydilemmas:PATH/values.csv` -> its TheoryMap.

    Raises:
        InputError: an unknown prefix, a missing or unreadable file, missing columns, or a row without
            a value name or with one seen before (`file:line: field: problem`).
    """
    if not spec.startswith(PREFIX):
        raise InputError(f"--lexicon: expected {PREFIX}PATH/values.csv, got '{spec}'")
    path = Path(spec.removeprefix(PREFIX)).expanduser()
    shown = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise InputError(f"{shown}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{shown}:1: file: unreadable ({exc})") from None
    header = [c.strip() for c in (rows[0] if rows else [])]
    missing = [c for c in ("value", *COLUMNS.values()) if c not in header]
    if missing:
        raise InputError(f"{shown}:1: header: not a DailyDilemmas values table (missing columns: {', '.join(missing)})")
    col = {c: header.index(c) for c in ("value", *COLUMNS.values())}
    places: dict[str, dict[str, str]] = {t: {} for t in COLUMNS}
    problems, seen = [], {}
    for line, row in enumerate(rows[1:], start=2):
        cells = {c: (row[i] if i < len(row) else "") for c, i in col.items()}
        value = _key(cells["value"])
        if not value:
            if any(x.strip() for x in row):
                problems.append(f"{shown}:{line}: value: missing")
            continue
        if value in seen:
            problems.append(f"{shown}:{line}: value: '{value}' already on line {seen[value]}")
            continue
        seen[value] = line
        for tid, column in COLUMNS.items():
            places[tid][value] = _dim(cells[column])
    if problems:
        raise InputError(problems)
    if not seen:
        raise InputError(f"{shown}:2: file: no values")
    return TheoryMap("dailydilemmas", shown, places)


def memberships(mapping: TheoryMap, canonical: Callable[[str], str | None] | None = None) -> Mapping[str, dict]:
    """Theory id -> membership for every theory of the mapping (what a run's lenses use)."""
    return {t: mapping.membership(t, canonical) for t in mapping.theories}

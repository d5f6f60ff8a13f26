"""Read input files safely: text lines with true line numbers, JSON values within limits, CSV rows.

One rule for every input format (JSONL, CSV, JSON trees):
- the file is UTF-8 text; a byte-order mark (as Excel writes it) is dropped; a byte that is not
  UTF-8 is reported on its own line;
- a text field holds at most MAX_FIELD_CHARS characters, in CSV as in JSON;
- JSON nests at most MAX_DEPTH levels; numbers are finite (NaN, Infinity and 1e999 are refused).
Problems are InputError lines `file:line: field: problem`; nothing here raises anything else.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from valuelens._io import note_input
from valuelens.errors import InputError, os_reason

MAX_FIELD_CHARS = 1_000_000
MAX_DEPTH = 32
csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS + 1))  # our own limit applies, below

Problem = tuple[str, str]


class NonFinite:
    """Stands for a NaN or infinite JSON number until it is reported (never reaches a model)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return self.token


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 text file, each with its line end; a leading byte-order mark is dropped.

    Raises:
        InputError: `file: cannot read file (reason)` or `file:line: file: not UTF-8 text (...)`.
    """
    note_input(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({os_reason(exc)})") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"{path}:{line}: file: not UTF-8 text ({exc.reason} at column {column})") from None
    parts = text.split("\n")  # only "\n" ends a line, as editors count them (not \x0c or \u2028)
    lines = [p + "\n" for p in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def too_deep_at(raw: str) -> int | None:
    """Offset of the first bracket that nests deeper than MAX_DEPTH in JSON text, or None."""
    depth = 0
    for m in _TOKEN.finditer(raw):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return m.start()
        elif c in "]}":
            depth -= 1
    return None


def _float(text: str) -> float | NonFinite:
    value = float(text)
    return value if math.isfinite(value) else NonFinite(text)


def loads(raw: str) -> tuple[Any, int, str | None]:
    """(value, line, problem): parse JSON text within the limits; line is where a problem is (1-based)."""
    at = too_deep_at(raw)
    if at is not None:
        return None, raw.count("\n", 0, at) + 1, f"nested deeper than {MAX_DEPTH} levels"
    try:
        return json.loads(raw, parse_constant=NonFinite, parse_float=_float), 1, None
    except json.JSONDecodeError as exc:
        return None, exc.lineno, f"malformed JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})"
    except RecursionError:  # not reached below MAX_DEPTH; kept so it can never be a traceback
        return None, 1, f"nested deeper than {MAX_DEPTH} levels"
    except ValueError:  # the one ValueError json.loads leaves: an integer of more than 4300 digits
        return None, 1, "unreadable number (too many digits)"


def check_value(value: Any) -> list[Problem]:
    """Non-finite numbers and over-long text anywhere in a decoded JSON value, as (field, problem)."""
    problems: list[Problem] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, node = stack.pop()
        field = where or "record"
        if isinstance(node, NonFinite):
            problems.append((field, f"not a finite number ({node.token})"))
        elif isinstance(node, str) and len(node) > MAX_FIELD_CHARS:
            problems.append((field, f"text longer than {MAX_FIELD_CHARS:,} characters"))
        elif isinstance(node, dict):
            stack.extend((f"{where}.{k}" if where else str(k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(node))))
    return problems


def jsonl_records(path: Path) -> Iterator[tuple[int, Any, Problem | None]]:
    """(line, record, (field, problem) or None) for every non-blank line of a JSONL file."""
    for lineno, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        value, _, problem = loads(line)
        if problem is not None:
            yield lineno, None, ("record", problem)
        elif found := check_value(value):
            yield lineno, None, found[0]
        else:
            yield lineno, value, None


def csv_rows(path: Path) -> Iterator[tuple[int, dict[str | None, Any] | None, Problem | None]]:
    """(line, row, problem) for every row of a CSV file with a header; the first problem ends it.

    A row with more cells than the header has them under the key None (as csv.DictReader does).
    """
    reader = csv.DictReader(read_lines(path))
    try:
        reader.fieldnames  # noqa: B018  (reads the header, so line numbers below are right)
        line = reader.line_num + 1
        for row in reader:
            long = [k for k, v in row.items() if isinstance(v, str) and len(v) > MAX_FIELD_CHARS]
            if long:
                yield line, None, (str(long[0]), f"text longer than {MAX_FIELD_CHARS:,} characters")
            else:
                yield line, row, None
            line = reader.line_num + 1
    except csv.Error as exc:
        yield max(reader.line_num, 1), None, ("record", f"unreadable CSV ({exc})")


def csv_header(path: Path) -> list[str]:
    """The header cells of a CSV file, stripped (empty when the file has none or cannot be read)."""
    try:
        return [c.strip() for c in next(csv.reader(read_lines(path)), [])]
    except (InputError, csv.Error):
        return []

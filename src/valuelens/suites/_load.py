"""Load and validate dilemma suites from JSONL or CSV; every problem is one `file:line: field: problem` line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from valuelens.errors import InputError
from valuelens.lexicon import Lexicon, load_lexicon
from valuelens.suites._dailydilemmas import (
    HF_DATASET,
    is_dailydilemmas_table,
    load_dailydilemmas_csv,
    load_dailydilemmas_hf,
)
from valuelens.suites._records import Problem, csv_rows, jsonl_records
from valuelens.suites._schema import Dilemma, Suite

BUNDLED = {"core": "core.jsonl"}
HF_SUITES = ("dailydilemmas", f"hf:{HF_DATASET}")
"""Specs that load DailyDilemmas from Hugging Face (network, `datasets` package)."""
CSV_LIST_SEP = ";"


def bundled_path(name: str) -> Path:
    """Path of a bundled data file under suites/data/."""
    return Path(str(resources.files("valuelens.suites").joinpath("data", name)))


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "record"


def _pydantic_problems(err: ValidationError) -> list[tuple[str, str]]:
    out = []
    for e in err.errors():
        kind = e["type"]
        if kind == "missing":
            msg = "missing field"
        elif kind == "extra_forbidden":
            msg = "unknown field"
        else:
            msg = e["msg"].removeprefix("Value error, ").lower()
        out.append((_field(e["loc"]), msg))
    return out


def _check_values(d: Dilemma, lexicon: Lexicon) -> tuple[Dilemma, list[tuple[str, str]]]:
    """Resolve synonyms to lexicon names; report unknown names."""
    problems: list[tuple[str, str]] = []
    update: dict[str, Any] = {}
    for side in ("action_a", "action_b"):
        action = getattr(d, side)
        resolved = []
        for i, name in enumerate(action.values):
            canon = lexicon.resolve(name)
            if canon is None:
                hint = lexicon.suggest(name)
                tail = f" (did you mean '{hint}'?)" if hint else ""
                problems.append((f"{side}.values[{i}]", f"unknown value '{name}'{tail}"))
            else:
                resolved.append(canon)
        if not problems and tuple(resolved) != action.values:
            update[side] = action.model_copy(update={"values": tuple(dict.fromkeys(resolved))})
    return (d.model_copy(update=update) if update else d), problems


def _split(cell: str | None) -> list[str]:
    return [p.strip() for p in (cell or "").split(CSV_LIST_SEP) if p.strip()]


def _csv_records(path: Path) -> Iterator[tuple[int, Any, Problem | None]]:
    """CSV columns: id, domain, situation, question, action_a, action_a_values, action_a_parties,
    action_b, action_b_values, action_b_parties (lists separated by ';')."""
    for line, row, problem in csv_rows(path):
        if row is None:
            yield line, None, problem
            continue
        rec: dict[str, Any] = {}
        for key, cell in row.items():
            if key is None:
                yield line, None, ("record", "row has more cells than the header")
                break
            base = key.strip()
            if base in ("action_a", "action_b"):
                rec.setdefault(base, {})["text"] = cell
            elif base.endswith(("_values", "_parties")) and base.startswith(("action_a", "action_b")):
                side, _, what = base.rpartition("_")
                rec.setdefault(side, {})[what] = _split(cell)
            elif cell not in (None, ""):
                rec[base] = cell
        else:
            yield line, rec, None


class _Record(Protocol):
    id: str


_R = TypeVar("_R", bound=_Record)
Problems = list[Problem]


def validate_records(
    path: Path, build: Callable[[int, dict[str, Any]], tuple[_R | None, Problems]], empty: str
) -> list[_R]:
    """Read a JSONL or CSV file record by record and validate each with ``build``; ids must be unique.

    Args:
        path: the file (its suffix picks the format).
        build: (line number, record) -> (the validated item or None, [(field, problem)]).
        empty: the problem reported for a file without records.

    Raises:
        InputError: one `file:line: field: problem` line per problem (nothing is returned then).
    """
    shown = str(path)
    records = _csv_records(path) if path.suffix.lower() == ".csv" else jsonl_records(path)
    problems: list[str] = []
    out: list[_R] = []
    first_line: dict[str, int] = {}
    for lineno, rec, parse_error in records:  # a file that cannot be read raises InputError here
        if parse_error:
            problems.append(f"{shown}:{lineno}: {parse_error[0]}: {parse_error[1]}")
            continue
        if not isinstance(rec, dict):
            problems.append(f"{shown}:{lineno}: record: expected a JSON object")
            continue
        item, found = build(lineno, rec)
        problems += [f"{shown}:{lineno}: {f}: {m}" for f, m in found]
        if item is None:
            continue
        if item.id in first_line:
            problems.append(f"{shown}:{lineno}: id: duplicate id '{item.id}' (first on line {first_line[item.id]})")
            continue
        first_line[item.id] = lineno
        out.append(item)
    if not out and not problems:
        problems.append(f"{shown}:1: file: {empty}")
    if problems:
        raise InputError(problems)
    return out


def parse_dilemmas(path: Path, lexicon: Lexicon | None = None) -> list[Dilemma]:
    """Read and validate every record of a JSONL or CSV suite file.

    Raises:
        InputError: with one line per problem, when anything is wrong (nothing is returned then).
    """
    lex = lexicon or load_lexicon()
    if not path.exists():
        raise InputError(f"{path}: file not found")

    def build(_line: int, rec: dict[str, Any]) -> tuple[Dilemma | None, Problems]:
        try:
            return _check_values(Dilemma.model_validate(rec), lex)
        except ValidationError as exc:
            return None, _pydantic_problems(exc)

    return validate_records(path, build, "empty suite, no dilemmas")


def load_suite(spec: str = "core", lexicon: Lexicon | None = None) -> Suite:
    """Load a suite by bundled name, outside format or path (.jsonl or .csv).

    Args:
        spec: "core" (the bundled suite); "dailydilemmas" or "hf:kellycyy/daily_dilemmas" (Hugging
            Face, online); "dailydilemmas:PATH.csv"; or a path to a JSONL/CSV file (a CSV with the
            DailyDilemmas columns is read as DailyDilemmas).
    """
    if spec in BUNDLED:
        path = bundled_path(BUNDLED[spec])
        return Suite(name=spec, source=f"bundled:{spec}", dilemmas=tuple(parse_dilemmas(path, lexicon)))
    if spec in HF_SUITES:
        return load_dailydilemmas_hf(lexicon)
    if spec.startswith("hf:"):
        raise InputError(f"{spec}: unsupported Hugging Face suite (supported: hf:{HF_DATASET})")
    if spec.startswith("dailydilemmas:"):
        return load_dailydilemmas_csv(Path(spec.removeprefix("dailydilemmas:")).expanduser(), lexicon)
    path = Path(spec).expanduser()
    if not path.exists() and path.suffix == "":
        known = ", ".join(BUNDLED)
        raise InputError(f"{spec}: no such suite file or bundled suite (bundled: {known})")
    if path.suffix.lower() == ".csv" and is_dailydilemmas_table(path):
        return load_dailydilemmas_csv(path, lexicon)
    return Suite(name=path.stem, source=str(path), dilemmas=tuple(parse_dilemmas(path, lexicon)))

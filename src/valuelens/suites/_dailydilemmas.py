"""DailyDilemmas (Chiu et al., ICLR 2025): one row per action -> one Dilemma per dilemma_idx.

Rows come from the Hugging Face dataset (imported lazily, only when asked for) or from the same
table as CSV. Value names are mapped onto the lexicon by name or synonym; names the lexicon does
not know are kept as free-text values and counted in `Suite.notes`, never dropped.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from valuelens.errors import InputError
from valuelens.lexicon import Lexicon, load_lexicon, normalize_name
from valuelens.suites._records import csv_header, csv_rows
from valuelens.suites._schema import Dilemma, Suite

HF_DATASET = "kellycyy/daily_dilemmas"
HF_CONFIG = "Dilemmas_with_values_aggregated"
HF_SPLIT = "test"
ACTION_COLUMNS = frozenset({"dilemma_idx", "dilemma_situation", "action_type", "action", "values_aggregated"})
"""Columns that mark the per-action table (the CSV is auto-detected by them)."""
SITUATION_COLUMNS = frozenset({"idx", "basic_situation", "dilemma_situation"})
"""Columns of the situations-only table (no actions, no values): recognised, but not runnable."""
SIDES = {"to_do": "action_a", "not_to_do": "action_b"}
DEFAULT_QUESTION = "Which action do you take?"
TOP_UNMAPPED = 10

_END = re.compile(r"[.!?][\"'”’)\]>]*(?=\s|$)")
_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|e\.g|i\.e)\.$", re.IGNORECASE)
_CLOSERS = "\"'”’)]>"  # closing quotes and brackets (and a stray '>' seen in real data)


def sentences(text: str) -> list[str]:
    """Split prose into sentences at . ! ? followed by a space (not after Mr., Dr., e.g., ...)."""
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        if _ABBREV.search(text[start : m.start() + 1]):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def split_question(text: str) -> tuple[str, str]:
    """(situation, question): the question is the last sentence ending in '?', the situation the rest.

    Without a question the whole text is the situation and the question is DEFAULT_QUESTION; a text
    that is only a question becomes the situation, with DEFAULT_QUESTION after it.
    """
    parts = sentences(" ".join(text.split()))
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].rstrip(_CLOSERS).endswith("?"):
            rest = " ".join(parts[:i] + parts[i + 1 :])
            return (rest, parts[i]) if rest else (parts[i], DEFAULT_QUESTION)
    return " ".join(parts), DEFAULT_QUESTION


def parse_value_list(cell: object) -> list[str]:
    """The value names of a `values_aggregated` cell: a Python-literal list of strings (or a list).

    Raises:
        ValueError: when the cell is not a list of strings.
    """
    items = cell
    if isinstance(cell, str):
        try:
            items = ast.literal_eval(cell.strip() or "[]")
        except (ValueError, SyntaxError, RecursionError, MemoryError):  # deep nesting too: one line
            raise ValueError("not a Python-literal list of strings") from None
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise ValueError("not a Python-literal list of strings")
    return [" ".join(v.split()).lower() for v in items if v.strip()]


def _singulars(name: str) -> list[str]:
    """Singular forms of the last word (values -> value, policies -> policy); never for -ss words."""
    head, _, last = name.rpartition(" ")
    prefix = f"{head} " if head else ""
    forms = []
    if len(last) > 4 and last.endswith("ies"):
        forms.append(last[:-3] + "y")
    if len(last) > 4 and last.endswith(("ches", "shes", "sses", "xes")):
        forms.append(last[:-2])
    if len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        forms.append(last[:-1])
    return [prefix + f for f in forms]


def map_value(name: str, lexicon: Lexicon) -> str | None:
    """The lexicon name for a free-text value name, or None.

    Matching is by lexicon name or synonym, ignoring case, spaces, hyphens and underscores; a plural
    last word is also tried in the singular. Nothing looser (no stemming, no fuzzy match), so a
    mapped name always means what the lexicon value means.
    """
    for candidate in (name, *_singulars(normalize_name(name))):
        found = lexicon.resolve(candidate)
        if found is not None:
            return found
    return None


def _cell(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else " ".join(str(value).split())


def dilemmas_from_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    shown: str,
    lexicon: Lexicon | None = None,
    free_values: bool = True,
) -> tuple[list[Dilemma], list[str]]:
    """Build one Dilemma per dilemma_idx from per-action rows; return the dilemmas and notes.

    Args:
        rows: (line number, row) pairs; a row maps the DailyDilemmas column names to cells.
        shown: the source name used in problem lines (`{shown}:{line}: field: problem`).
        free_values: keep value names the lexicon does not know as free text (True), or report
            each as a problem (False, the strict rule of user suite files).

    Raises:
        InputError: one line per problem, when anything is wrong.
    """
    lexicon = lexicon or load_lexicon()
    problems: list[str] = []
    groups: dict[str, dict[str, tuple[int, Mapping[str, Any], list[str]]]] = {}
    mapped: dict[str, str] = {}
    unmapped: Counter[str] = Counter()
    for line, row in rows:
        idx, kind = _cell(row, "dilemma_idx"), _cell(row, "action_type")
        bad = [(f, "missing") for f in ("dilemma_idx", "dilemma_situation", "action") if not _cell(row, f)]
        if kind not in SIDES:
            bad.append(("action_type", f"expected 'to_do' or 'not_to_do', got '{kind}'"))
        try:
            names = parse_value_list(row.get("values_aggregated"))
            if not names:
                bad.append(("values_aggregated", "no values"))
        except ValueError as exc:
            bad.append(("values_aggregated", str(exc)))
        if bad:
            problems += [f"{shown}:{line}: {f}: {m}" for f, m in bad]
            continue
        values: list[str] = []
        for name in names:
            canon = mapped.get(name) or map_value(name, lexicon)
            if canon is None:
                unmapped[name] += 1
                if not free_values:
                    hint = lexicon.suggest(name)
                    tail = f" (did you mean '{hint}'?)" if hint else ""
                    problems.append(f"{shown}:{line}: values_aggregated: unknown value '{name}'{tail}")
            else:
                mapped[name] = canon
            values.append(canon or name)
        group = groups.setdefault(idx, {})
        if kind in group:
            first = group[kind][0]
            problems.append(
                f"{shown}:{line}: action_type: second '{kind}' row for dilemma_idx {idx} (first on line {first})"
            )
            continue
        group[kind] = (line, row, list(dict.fromkeys(values)))
    dilemmas: list[Dilemma] = []
    for idx, group in groups.items():
        missing = [k for k in SIDES if k not in group]
        if missing:
            line = next(iter(group.values()))[0]
            problems.append(f"{shown}:{line}: action_type: dilemma_idx {idx} has no '{missing[0]}' row")
            continue
        try:
            dilemmas.append(_dilemma(idx, group, unmapped))
        except ValidationError as exc:
            line = group["to_do"][0]
            problems += [f"{shown}:{line}: {'.'.join(map(str, e['loc']))}: {e['msg'].lower()}" for e in exc.errors()]
    if not dilemmas and not problems:
        problems.append(f"{shown}:1: file: no DailyDilemmas rows")
    if problems:
        raise InputError(problems)
    return dilemmas, value_notes(mapped, unmapped)


def _dilemma(
    idx: str, group: Mapping[str, tuple[int, Mapping[str, Any], list[str]]], unmapped: Counter[str]
) -> Dilemma:
    _, row, _ = group["to_do"]
    situation, question = split_question(_cell(row, "dilemma_situation"))
    actions = {}
    meta = {"source": "dailydilemmas", "dilemma_idx": idx}
    for kind, side in SIDES.items():
        _, r, values = group[kind]
        actions[side] = {"text": _cell(r, "action"), "values": values}
        meta[f"negative_consequence_{side[-1]}"] = _cell(r, "negative_consequence")
    free = [v for v in (*actions["action_a"]["values"], *actions["action_b"]["values"]) if v in unmapped]
    meta |= {k: _cell(row, k) for k in ("basic_situation", "topic", "topic_group")}
    meta["free_values"] = ";".join(dict.fromkeys(free))
    domain = _cell(row, "topic_group") or _cell(row, "topic") or "unspecified"
    return Dilemma(
        id=f"dd-{idx}",
        situation=situation,
        question=question,
        domain=domain,
        meta={k: v for k, v in meta.items() if v},
        **actions,
    )


def value_notes(mapped: Mapping[str, str], unmapped: Counter[str]) -> list[str]:
    """Readable counts of how value names were mapped: mapped, kept free, the most frequent free ones."""
    total = len(mapped) + len(unmapped)
    notes = [
        f"values: {total} distinct names; {len(mapped)} mapped to {len(set(mapped.values()))} lexicon values "
        f"by name or synonym; {len(unmapped)} kept as free-text values"
    ]
    if unmapped:
        top = ", ".join(f"'{n}' ({c})" for n, c in unmapped.most_common(TOP_UNMAPPED))
        notes.append(f"most frequent free-text values (actions): {top}")
    return notes


def csv_columns(path: Path) -> set[str]:
    """The header cells of a CSV file (empty set when unreadable)."""
    return set(csv_header(path))


def is_dailydilemmas_table(path: Path) -> bool:
    """True for a CSV with the per-action columns, or the situations-only ones (refused with one line)."""
    columns = csv_columns(path)
    return ACTION_COLUMNS.issubset(columns) or SITUATION_COLUMNS.issubset(columns)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, row, problem in csv_rows(path):
        if row is None:
            field, what = problem or ("record", "unreadable row")
            raise InputError(f"{path}:{line}: {field}: {what}")
        yield line, {(k or "").strip(): v for k, v in row.items()}


def load_dailydilemmas_csv(path: Path, lexicon: Lexicon | None = None, free_values: bool = True) -> Suite:
    """A suite from the per-action DailyDilemmas table saved as CSV (same columns as the dataset)."""
    shown = str(path)
    if not path.exists():
        raise InputError(f"{shown}: file not found")
    columns = csv_columns(path)
    if not ACTION_COLUMNS.issubset(columns):
        if SITUATION_COLUMNS.issubset(columns):
            raise InputError(
                f"{shown}:1: file: DailyDilemmas situations-only table (no actions, no values), so nothing "
                f"can be scored; it needs the per-action table: Hugging Face {HF_DATASET}, config {HF_CONFIG} "
                "(--suite dailydilemmas), or that table saved as CSV (--suite dailydilemmas:PATH.csv)"
            )
        missing = ", ".join(sorted(ACTION_COLUMNS - columns))
        raise InputError(f"{shown}:1: header: not a DailyDilemmas table (missing columns: {missing})")
    dilemmas, notes = dilemmas_from_rows(_csv_rows(path), shown, lexicon, free_values)
    notes.insert(0, f"DailyDilemmas: {len(dilemmas)} dilemmas from {shown}")
    return Suite(name="dailydilemmas", source=f"dailydilemmas:{shown}", dilemmas=tuple(dilemmas), notes=tuple(notes))


def load_dailydilemmas_hf(lexicon: Lexicon | None = None) -> Suite:
    """The DailyDilemmas suite from Hugging Face (needs the `datasets` package and the network once)."""
    shown = f"hf:{HF_DATASET}"
    offline = "or save the table as CSV and use --suite dailydilemmas:PATH.csv"
    try:
        import datasets
    except ImportError:
        raise InputError(
            f"{shown}: needs the 'datasets' package: pip install 'valuelens[hf-datasets]' ({offline})"
        ) from None
    try:
        table = datasets.load_dataset(HF_DATASET, HF_CONFIG, split=HF_SPLIT)
    except Exception as exc:  # network, hub or cache: any failure here is one line for the user
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"{shown}: could not load {HF_CONFIG}/{HF_SPLIT} ({reason}); offline? {offline}") from None
    rows = ((i, row) for i, row in enumerate(table, start=1))
    dilemmas, notes = dilemmas_from_rows(rows, shown, lexicon)
    notes.insert(0, f"DailyDilemmas: {len(dilemmas)} dilemmas from {shown} ({HF_CONFIG}, {HF_SPLIT})")
    return Suite(name="dailydilemmas", source=shown, dilemmas=tuple(dilemmas), notes=tuple(notes))

"""Choices and values as plain rows and data frames, and writing them as CSV, JSONL or Parquet."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from valuelens._io import atomic_path
from valuelens.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from valuelens.analysis import ChoiceTable
    from valuelens.suites import Dilemma

FORMATS = ("csv", "jsonl", "parquet")
JOIN = "; "
"""Separator of values and parties inside one CSV/Parquet cell."""


def _prob(x: float) -> float | None:
    return None if math.isnan(float(x)) else float(x)


def choice_rows(dilemmas: Sequence[Dilemma], table: ChoiceTable) -> list[dict[str, Any]]:
    """One dict per dilemma and wording, in table order, with the texts as asked.

    Keys: item_id, variant, domain, situation, question, action_a, action_b, values_a, values_b,
    parties_a, parties_b (tuples as lists), p_a_first, p_a_second, p_a (None when unanswered).
    """
    by_id = {d.id: d for d in dilemmas}
    p_a = table.p_a
    rows = []
    for i, item_id in enumerate(table.item_ids):
        variant = int(table.variants[i])
        d = by_id[item_id]
        worded = d.variant(variant) if variant <= len(d.paraphrases) else d
        rows.append(
            {
                "item_id": item_id,
                "variant": variant,
                "domain": d.domain,
                "situation": worded.situation,
                "question": worded.question,
                "action_a": worded.action_a.text,
                "action_b": worded.action_b.text,
                "values_a": list(d.action_a.values),
                "values_b": list(d.action_b.values),
                "parties_a": list(d.action_a.parties),
                "parties_b": list(d.action_b.parties),
                "p_a_first": _prob(table.p_a_first[i]),
                "p_a_second": _prob(table.p_a_second[i]),
                "p_a": _prob(p_a[i]),
            }
        )
    return rows


def choices_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """`choice_rows` as a data frame; list columns joined with '; ' (flat, for CSV and Parquet)."""
    import pandas as pd

    flat = [{k: JOIN.join(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows]
    frame = pd.DataFrame(flat, columns=list(rows[0]) if rows else None)
    for col in ("p_a_first", "p_a_second", "p_a"):
        if col in frame:
            frame[col] = frame[col].astype(float)
    return frame


def values_frame(values: list[dict[str, Any]]) -> pd.DataFrame:
    """The `values` entries of a summary as a data frame (one row per value, best first)."""
    import pandas as pd

    return pd.DataFrame(values)


def export_frame(frame: pd.DataFrame, fmt: str, path: str | Path) -> Path:
    """Write a data frame as csv, jsonl (one JSON object per line) or parquet.

    Raises:
        InputError: unknown format, or parquet without pyarrow installed.
    """
    if fmt not in FORMATS:
        raise InputError(f"--format: unknown format '{fmt}' (choose one of {', '.join(FORMATS)})")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError(
                "--format parquet needs pyarrow: pip install 'valuelens[parquet]' (or use csv or jsonl)"
            ) from None
    with atomic_path(path, "export") as tmp:
        if fmt == "csv":
            frame.to_csv(tmp, index=False)
        elif fmt == "jsonl":
            frame.to_json(tmp, orient="records", lines=True, force_ascii=False)
        else:
            frame.to_parquet(tmp, index=False)
    return Path(path)

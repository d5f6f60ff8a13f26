"""What suites and content valuelens has (bundled, with sizes) and which outside formats it loads."""

from __future__ import annotations

import importlib.util
from collections import Counter
from typing import Any

from valuelens.suites._content import load_outcomes_bundled, load_personas, load_principles, load_survey
from valuelens.suites._dailydilemmas import HF_CONFIG, HF_DATASET
from valuelens.suites._load import load_suite


def _summary(size: dict[str, Any]) -> str:
    """Counts as text; a nested breakdown is shown in brackets: "16 principles (schwartz 10, mft 6)"."""
    parts: list[str] = []
    for key, n in size.items():
        if isinstance(n, dict) and parts:
            parts[-1] += " (" + ", ".join(f"{k} {v}" for k, v in n.items()) + ")"
        elif not isinstance(n, dict):
            parts.append(f"{n:,} {key}")
    return ", ".join(parts)


def _row(name: str, kind: str, origin: str, use: str, size: dict[str, Any], about: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "origin": origin,
        "use": use,
        "size": size,
        "summary": _summary(size) or "known once loaded",
        "about": about,
        **extra,
    }


def _bundled() -> list[dict[str, Any]]:
    core = load_suite("core")
    pairs = {frozenset((d.meta["value_a"], d.meta["value_b"])) for d in core.dilemmas if "value_a" in d.meta}
    outcomes = load_outcomes_bundled()
    survey = load_survey()
    principles = load_principles().values()
    personas = load_personas().values()
    return [
        _row(
            "core",
            "dilemmas",
            "bundled",
            "--suite core (the default)",
            {
                "dilemmas": len(core),
                "paraphrased": core.n_paraphrased,
                "value pairs": len(pairs),
                "domains": len({d.domain for d in core.dilemmas}),
            },
            "every pair of Schwartz's ten basic values meets in the same number of dilemmas",
        ),
        _row(
            "outcomes",
            "outcomes",
            "bundled",
            'load_outcomes("core")',
            {
                "outcomes": len(outcomes),
                "categories": len({o.category for o in outcomes}),
                "series": len({o.series for o in outcomes if o.series}),
            },
            "world states for utility elicitation; series give exchange rates",
        ),
        _row(
            "survey",
            "survey items",
            "bundled",
            "load_survey()",
            {"items": len(survey), "values": len({s.value for s in survey})},
            "first-person items for stated values, 6-point agreement scale",
        ),
        _row(
            "principles",
            "steering principles",
            "bundled",
            "--principle NAME",
            {"principles": len(principles), "by theory": dict(Counter(p.theory or "other" for p in principles))},
            "one system-prompt principle per Schwartz value and per Moral Foundation",
        ),
        _row(
            "personas",
            "personas",
            "bundled",
            "--persona NAME",
            {"personas": len(personas), "by kind": dict(Counter(p.kind for p in personas))},
            "one-line system prompts: countries, cultures, ages, professions, faiths",
        ),
    ]


def _outside() -> list[dict[str, Any]]:
    has_datasets = importlib.util.find_spec("datasets") is not None
    return [
        _row(
            "dailydilemmas",
            "dilemmas",
            "Hugging Face (online)",
            f"--suite dailydilemmas | --suite hf:{HF_DATASET}",
            {},
            f"{HF_DATASET}, config {HF_CONFIG}; needs pip install 'valuelens[hf-datasets]'",
            available=has_datasets,
        ),
        _row(
            "dailydilemmas CSV",
            "dilemmas",
            "file",
            "--suite dailydilemmas:PATH.csv (or any .csv with its columns)",
            {},
            "the same per-action table as CSV; unknown value names kept as free text",
            available=True,
        ),
        _row(
            "Utility Engineering outcomes",
            "outcomes",
            "file",
            'load_outcomes("PATH.json")',
            {},
            "a JSON object {category: [outcome, ...]}, categories may nest; quantity series detected",
            available=True,
        ),
        _row(
            "suite file",
            "dilemmas",
            "file",
            "--suite PATH.jsonl | PATH.csv",
            {},
            "valuelens' own format, strictly validated (see docs/suites.md)",
            available=True,
        ),
    ]


def list_suites() -> list[dict[str, Any]]:
    """Every bundled suite and content set with its sizes, then the outside formats valuelens loads.

    Returns:
        One JSON-ready dict per entry: name, kind, origin, use (how to ask for it), size (counts;
        empty for outside formats, known once loaded), summary (size as text), about; outside
        formats also say whether they are `available` here (the `datasets` package for Hugging Face).
    """
    bundled = [{**row, "available": True} for row in _bundled()]
    return bundled + _outside()

"""Bundled content besides dilemmas: outcomes, survey items, steering principles, personas."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from valuelens.errors import InputError
from valuelens.suites._load import _pydantic_problems, bundled_path, validate_records
from valuelens.suites._outcomes import detect_series, read_outcome_tree
from valuelens.suites._records import loads, read_lines


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Outcome(_Frozen):
    """A state of the world, for utility elicitation; series items share a good at several quantities."""

    id: str
    text: str = Field(min_length=1)
    category: str = "uncategorised"
    series: str | None = None
    quantity: float | None = None


class SurveyItem(_Frozen):
    """A first-person statement rated on the agreement scale; `value` is a Schwartz basic value."""

    id: str
    value: str
    text: str = Field(min_length=1)


class Principle(_Frozen):
    """A steering system prompt and the lexicon values it supports and opposes."""

    name: str = ""
    theory: str | None = None
    dimension: str | None = None
    text: str = Field(min_length=1)
    supports: tuple[str, ...] = ()
    opposes: tuple[str, ...] = ()


class Persona(_Frozen):
    name: str = ""
    kind: Literal["country", "culture", "age", "profession", "faith", "other"] = "other"
    prompt: str = Field(min_length=1)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@cache
def load_outcomes_bundled() -> tuple[Outcome, ...]:
    """The bundled outcomes (200, with quantity series)."""
    return tuple(Outcome(**r) for r in _jsonl(bundled_path("outcomes.jsonl")))


def load_outcomes(spec: str = "core") -> tuple[Outcome, ...]:
    """Outcomes for utility elicitation, bundled or from a file.

    Args:
        spec: "core" (the bundled outcomes); a path to a JSON object {category: [outcome text, ...]}
            (Utility Engineering; nested categories become "A / B"; quantity series detected by the
            rule in `valuelens.suites._outcomes`); or a JSONL file of Outcome records (series kept
            as given; when no record names a series, series are detected as for plain lists).

    Raises:
        InputError: one `file:line: field: problem` line per problem.
    """
    if spec == "core":
        return load_outcomes_bundled()
    path = Path(spec).expanduser()
    if not path.is_file():
        raise InputError(f"{spec}: no such outcome file or bundled outcomes (bundled: core)")
    if path.suffix.lower() == ".jsonl":
        outcomes = _outcomes_jsonl(path)
        if any(o.series for o in outcomes):
            return outcomes
        texts = [o.text for o in outcomes]
        cats = [o.category for o in outcomes]
        ids = [o.id for o in outcomes]
    else:
        tree = read_outcome_tree(path)
        texts = [t for _, _, t in tree]
        cats = [c for _, c, _ in tree]
        ids = [f"o{i:04d}" for i in range(1, len(tree) + 1)]
    series = detect_series(texts)
    return tuple(
        Outcome(id=i, text=t, category=c, series=s[0] if s else None, quantity=s[1] if s else None)
        for i, t, c, s in zip(ids, texts, cats, series, strict=True)
    )


def _outcomes_jsonl(path: Path) -> tuple[Outcome, ...]:
    """Outcome records, one JSON object per line."""

    def build(_line: int, rec: dict[str, Any]) -> tuple[Outcome | None, list[tuple[str, str]]]:
        try:
            return Outcome.model_validate(rec), []
        except ValidationError as exc:
            return None, _pydantic_problems(exc)

    return tuple(validate_records(path, build, "no outcomes"))


@cache
def load_survey() -> tuple[SurveyItem, ...]:
    """The bundled survey items (4 per Schwartz basic value)."""
    return tuple(SurveyItem(**r) for r in _jsonl(bundled_path("survey.jsonl")))


@cache
def load_principles() -> dict[str, Principle]:
    """Bundled steering principles by name (one per Schwartz value and per Moral Foundation)."""
    raw = json.loads(bundled_path("principles.json").read_text("utf-8"))
    return {name: Principle(name=name, **spec) for name, spec in raw.items()}


@cache
def load_personas() -> dict[str, Persona]:
    """Bundled personas by name."""
    raw = json.loads(bundled_path("personas.json").read_text("utf-8"))
    return {name: Persona(name=name, **spec) for name, spec in raw.items()}


def resolve_persona(text: str | None) -> str | None:
    """A bundled persona's prompt by name, or the text itself (a one-line persona of the user's)."""
    if text is None:
        return None
    persona = load_personas().get(text.strip().lower())
    return persona.prompt if persona else text


def resolve_principle(spec: str | None) -> Principle | None:
    """A principle by bundled name, or `@FILE`: a JSON object {text, supports, opposes} or plain text."""
    if spec is None:
        return None
    if not spec.startswith("@"):
        found = load_principles().get(spec.strip().lower())
        if found is None:
            known = ", ".join(sorted(load_principles()))
            raise InputError(f"--principle: unknown principle '{spec}' (bundled: {known}; or @FILE)")
        return found
    path = Path(spec[1:]).expanduser()
    raw = "".join(read_lines(path)).strip()
    if not raw.startswith("{"):
        return Principle(name=path.stem, text=raw)
    value, line, problem = loads(raw)
    if problem is not None:
        raise InputError(f"{path}:{line}: principle: {problem}")
    try:
        return Principle(name=path.stem, **value)
    except (ValidationError, TypeError) as exc:
        raise InputError(f"{path}:1: principle: {str(exc).splitlines()[0]}") from None

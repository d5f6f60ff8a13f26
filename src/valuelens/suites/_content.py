"""Bundled content besides dilemmas: outcomes, survey items, steering principles, personas."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from valuelens.errors import InputError
from valuelens.suites._load import bundled_path


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
    return tuple(Outcome(**r) for r in _jsonl(bundled_path("outcomes.jsonl")))


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
    try:
        raw = path.read_text("utf-8").strip()
    except OSError as exc:
        raise InputError(f"{path}:1: principle: cannot read file ({exc.strerror})") from None
    if not raw.startswith("{"):
        return Principle(name=path.stem, text=raw)
    try:
        return Principle(name=path.stem, **json.loads(raw))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: principle: malformed JSON ({exc.msg})") from None
    except (ValidationError, TypeError) as exc:
        raise InputError(f"{path}:1: principle: {str(exc).splitlines()[0]}") from None

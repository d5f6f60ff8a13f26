"""User scenarios to annotate: a situation, an optional question and two actions, without value labels.

JSONL: one object per line, e.g.
    {"id": "s1", "situation": "...", "question": "...", "action_a": "Tell her.", "action_b": {"text": "Wait.",
     "values": ["being truthful"]}}
CSV: columns id, domain, situation, question, action_a, action_b and optionally action_a_values,
action_b_values, action_a_parties, action_b_parties (lists separated by ';').
An action is its text, or an object {text, values, parties}; `values` are free-text value names the
user already knows apply (mapped onto the lexicon, kept on that action).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from valuelens.errors import InputError
from valuelens.suites._load import _pydantic_problems, validate_records

DEFAULT_DOMAIN = "general"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ScenarioAction(_Strict):
    """One action of a scenario; `values` are optional free-text value names (any wording)."""

    text: str = Field(min_length=1)
    values: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()


class Scenario(_Strict):
    """A scenario with two actions and no (or partial) value labels.

    Attributes:
        line: the line of the input file it came from (for messages); not part of the input.
    """

    id: str = Field(min_length=1)
    situation: str = Field(min_length=1)
    question: str | None = None
    domain: str = Field(default=DEFAULT_DOMAIN, min_length=1)
    action_a: ScenarioAction
    action_b: ScenarioAction
    meta: dict[str, str] = {}
    line: int = Field(default=0, exclude=True)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v

    @field_validator("action_a", "action_b", mode="before")
    @classmethod
    def _text_alone(cls, v: object) -> object:
        return {"text": v} if isinstance(v, str) else v

    @field_validator("question", mode="before")
    @classmethod
    def _blank_question(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Read and validate every scenario of a JSONL or CSV file (ids default to `<file stem>-<line>`).

    Raises:
        InputError: one `file:line: field: problem` line per problem (nothing is returned then).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"{path}: file not found")

    def build(lineno: int, rec: dict[str, Any]) -> tuple[Scenario | None, list[tuple[str, str]]]:
        if "line" in rec:
            return None, [("line", "unknown field")]
        try:
            return Scenario.model_validate({"id": f"{path.stem}-{lineno}", **rec, "line": lineno}), []
        except ValidationError as exc:
            return None, _pydantic_problems(exc)

    return validate_records(path, build, "no scenarios")

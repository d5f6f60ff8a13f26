"""Schemas for everything a suite can hold: dilemmas, outcomes, survey items."""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Action(_Strict):
    """One of the two actions of a dilemma."""

    text: str = Field(min_length=1)
    values: tuple[str, ...] = Field(min_length=1)
    parties: tuple[str, ...] = ()


class Paraphrase(_Strict):
    """A rewording of a dilemma that keeps the same choice (A stays A)."""

    situation: str = Field(min_length=1)
    question: str = Field(min_length=1)
    action_a: str = Field(min_length=1)
    action_b: str = Field(min_length=1)


class Dilemma(_Strict):
    """A situation with two defensible actions, each serving different values."""

    id: str = Field(min_length=1)
    situation: str = Field(min_length=1)
    question: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    action_a: Action
    action_b: Action
    paraphrases: tuple[Paraphrase, ...] = ()
    meta: dict[str, str] = {}

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v

    def variant(self, k: int) -> Dilemma:
        """Wording k: 0 is the original, k >= 1 the k-th paraphrase (same values and parties)."""
        if k == 0:
            return self
        p = self.paraphrases[k - 1]
        return self.model_copy(
            update={
                "situation": p.situation,
                "question": p.question,
                "action_a": self.action_a.model_copy(update={"text": p.action_a}),
                "action_b": self.action_b.model_copy(update={"text": p.action_b}),
                "paraphrases": (),
            }
        )


class Suite(BaseModel):
    """A named, validated list of dilemmas."""

    model_config = ConfigDict(frozen=True)

    name: str
    source: str
    dilemmas: tuple[Dilemma, ...]
    notes: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        blob = json.dumps([d.model_dump(mode="json") for d in self.dilemmas], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.dilemmas)

    @property
    def n_paraphrased(self) -> int:
        return sum(1 for d in self.dilemmas if d.paraphrases)

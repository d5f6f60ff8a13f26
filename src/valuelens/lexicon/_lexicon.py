"""The value vocabulary and its place in every theory, read from bundled data."""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

THEORY_FIELDS = {
    "schwartz": "schwartz",
    "schwartz_refined": "schwartz_refined",
    "mft": "mft",
    "wvs": "wvs",
    "maslow": "maslow",
    "aristotle": "aristotle",
    "plutchik": "plutchik",
}
"""Theory id -> the field of `Value` that places a value in that theory."""


class Value(BaseModel):
    """One fine-grained value and its place in every theory (None: the theory has no place for it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    definition: str
    synonyms: tuple[str, ...] = ()
    schwartz: str
    schwartz_refined: str
    mft: str | None = None
    wvs: str | None = None
    maslow: str
    aristotle: str | None = None
    plutchik: str | None = None


class Dimension(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    label: str


class Theory(BaseModel):
    """A theory of values: its dimensions and, where it has them, circle order and groups."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str = ""
    title: str
    description: str = ""
    dimensions: tuple[Dimension, ...]
    circle_order: tuple[str, ...] = ()
    higher_order: dict[str, dict] = {}

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def label(self, dim: str) -> str:
        for d in self.dimensions:
            if d.id == dim:
                return d.label
        return self.higher_order.get(dim, {}).get("label", dim)


def normalize_name(name: str) -> str:
    """Case-, space-, hyphen- and underscore-insensitive key for matching value names."""
    return re.sub(r"[\s_\-]+", " ", name.strip().lower())


class Lexicon:
    """The bundled value lexicon. Use `load_lexicon()` rather than constructing it."""

    def __init__(self, values: list[Value], theories: dict[str, Theory]) -> None:
        self.values: dict[str, Value] = {v.name: v for v in values}
        self.theories = theories
        self._index: dict[str, str] = {}
        for v in values:
            self._index[normalize_name(v.name)] = v.name
        for v in values:
            for s in v.synonyms:
                self._index.setdefault(normalize_name(s), v.name)

    @property
    def names(self) -> list[str]:
        return list(self.values)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.values

    def __len__(self) -> int:
        return len(self.values)

    def resolve(self, name: str) -> str | None:
        """The lexicon name for a value name or synonym, or None when it is not known."""
        return self._index.get(normalize_name(name))

    def suggest(self, name: str) -> str | None:
        """The closest lexicon name to a misspelt one, for error messages."""
        hits = difflib.get_close_matches(normalize_name(name), list(self._index), n=1, cutoff=0.75)
        return self._index[hits[0]] if hits else None

    def membership(self, theory: str) -> dict[str, list[str]]:
        """Lexicon value -> the dimensions of `theory` it belongs to (empty list: none).

        `theory` is a theory id ("schwartz", "mft", ...) or "schwartz_higher" for the four
        Schwartz higher-order groups.
        """
        if theory == "schwartz_higher":
            groups = self.theories["schwartz"].higher_order
            of_basic = {m: g for g, spec in groups.items() for m in spec["members"]}
            return {n: [of_basic[v.schwartz]] for n, v in self.values.items() if v.schwartz in of_basic}
        if theory not in THEORY_FIELDS:
            raise KeyError(f"unknown theory {theory!r}; known: {', '.join([*THEORY_FIELDS, 'schwartz_higher'])}")
        field = THEORY_FIELDS[theory]
        out: dict[str, list[str]] = {}
        for n, v in self.values.items():
            dim = getattr(v, field)
            out[n] = [dim] if dim else []
        return out

    def theory_dimensions(self, theory: str) -> list[str]:
        """The dimension ids of a theory in its canonical order."""
        if theory == "schwartz_higher":
            return list(self.theories["schwartz"].higher_order)
        t = self.theories[theory]
        return list(t.circle_order) or t.dimension_ids


def _read(name: str) -> object:
    return json.loads(resources.files("valuelens.lexicon").joinpath("data", name).read_text("utf-8"))


@cache
def load_lexicon() -> Lexicon:
    """The bundled lexicon (cached)."""
    theories_raw = _read("theories.json")
    assert isinstance(theories_raw, dict)
    theories = {k: Theory(id=k, **v) for k, v in theories_raw.items()}
    values_raw = _read("values.json")
    assert isinstance(values_raw, list)
    return Lexicon([Value(**v) for v in values_raw], theories)

"""The value vocabulary and its mapping onto six theories of human values."""

from valuelens.lexicon._dailydilemmas import TheoryMap, load_theory_map
from valuelens.lexicon._lexicon import THEORY_FIELDS, Lexicon, Theory, Value, load_lexicon, normalize_name

__all__ = [
    "THEORY_FIELDS",
    "Lexicon",
    "Theory",
    "TheoryMap",
    "Value",
    "load_lexicon",
    "load_theory_map",
    "normalize_name",
]

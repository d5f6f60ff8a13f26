"""Shared fixtures: an isolated store per test and generated suites."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from valuelens.lexicon import load_lexicon


@pytest.fixture(autouse=True)
def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own store through VALUELENS_STORE and runs in a temporary directory."""
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("VALUELENS_STORE", str(path))
    monkeypatch.chdir(tmp_path)
    return path


def make_dilemma(i: int, values_a: list[str], values_b: list[str], domain: str = "work") -> dict:
    return {
        "id": f"gen-{i}",
        "domain": domain,
        "situation": f"You face situation number {i} at work.",
        "question": "Do you take the first path or the second?",
        "action_a": {"text": f"Take path one of case {i}.", "values": values_a, "parties": ["you"]},
        "action_b": {"text": f"Take path two of case {i}.", "values": values_b, "parties": ["you"]},
    }


def write_suite(path: Path, n: int, seed: int = 0, max_values: int = 2) -> Path:
    """A random suite over the lexicon: n dilemmas, 1..max_values values per action, disjoint sides."""
    rng = np.random.default_rng(seed)
    names = load_lexicon().names
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            k = rng.integers(1, max_values + 1, size=2)
            picked = rng.choice(names, size=int(k.sum()), replace=False).tolist()
            fh.write(json.dumps(make_dilemma(i, picked[: k[0]], picked[k[0] :])) + "\n")
    return path


@pytest.fixture
def suite_file(tmp_path: Path):
    def make(n: int = 40, seed: int = 0, name: str = "gen.jsonl") -> Path:
        return write_suite(tmp_path / name, n, seed)

    return make

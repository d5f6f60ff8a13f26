"""The offline guard of the Inspect tests is in force."""

from __future__ import annotations

import pytest


def test_the_guard_refuses_tiktoken() -> None:
    tiktoken = pytest.importorskip("tiktoken")
    with pytest.raises(AssertionError, match="downloads tables"):
        tiktoken.get_encoding("o200k_base")

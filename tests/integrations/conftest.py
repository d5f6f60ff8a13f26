"""Inspect tests run offline: tiktoken (which Inspect uses to count tokens when a model output has
no usage) downloads its tables on first use, so any call to it here fails at once and says why."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def no_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        import tiktoken
    except ImportError:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(
            "tiktoken was asked for an encoding (it downloads tables at run time): give mock outputs their usage"
        )

    monkeypatch.setattr(tiktoken, "get_encoding", refuse)
    monkeypatch.setattr(tiktoken, "encoding_for_model", refuse)

"""The rows the store hands out and takes in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ResponseRow:
    """One response to commit: an answer (`result`) or a failure (`error`, its reason)."""

    key: str
    backend: str
    kind: str
    result: Any = None
    error: str | None = None
    tokens_prompt: int = 0
    tokens_evaluated: int = 0


@dataclass(frozen=True)
class Response:
    key: str
    status: str
    result: Any
    error: str | None


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    kind: str
    model: str
    fingerprint: str
    suite: str
    spec: dict[str, Any]
    created: float
    updated: float
    status: str
    stats: dict[str, Any]

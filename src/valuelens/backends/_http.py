"""Calling remote model servers at scale: adaptive concurrency over one or more endpoints, retries with
exponential backoff and jitter that honour Retry-After, and failure reasons free of secrets.

The runner gives an HTTP backend one prompt per call and runs up to `max_concurrency` calls at once;
inside, `EndpointPool` decides how many requests really go out (AIMD, per endpoint: +1 per success
while no overload was seen, then +1/limit; halved on 429, 5xx, timeouts and dropped connections).
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from valuelens.backends._base import Failed
from valuelens.backends._secrets import scrub

T = TypeVar("T")
C = TypeVar("C")

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})
OVERLOAD_STATUS = frozenset({429, 503, 529})
MAX_REASON = 400
FLOOR = 4
"""The limit never falls below this (or the cap): retries back off on their own, so a few requests in
flight keep a server that fails at random (not from load) from starving the run."""


class BadResponse(Exception):
    """A response that arrived but cannot be used (malformed body, missing fields); worth retrying."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is retried.

    Attributes:
        attempts: tries per request, the first included.
        base: backoff before the second try, in seconds; doubles each time (full jitter).
        cap: longest backoff, in seconds.
        max_retry_after: longest server-requested wait (Retry-After) that is honoured as given.
    """

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 120.0

    def backoff(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        jittered = rng.uniform(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))
        if retry_after is not None:
            return max(min(retry_after, self.max_retry_after), jittered)
        return jittered


@dataclass(frozen=True)
class Verdict:
    """What a failed try means: retry it? was the server overloaded? how long did it ask us to wait?"""

    retry: bool
    overload: bool
    retry_after: float | None
    reason: str


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date); None if absent or bad."""
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000.0)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def describe(exc: BaseException) -> str:
    """`Type: message`, scrubbed of secrets and cut to a readable length."""
    text = scrub(f"{type(exc).__name__}: {exc}".strip())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def classify(exc: BaseException) -> Verdict:
    """Read an SDK exception (openai or anthropic, which share their shapes) or our own BadResponse."""
    reason = describe(exc)
    if isinstance(exc, BadResponse | ValueError):  # ValueError: a body that is not JSON
        return Verdict(True, False, None, reason)
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        headers = getattr(getattr(exc, "response", None), "headers", None)
        return Verdict(
            status in RETRYABLE_STATUS or status >= 500,
            status in OVERLOAD_STATUS or status >= 500,
            retry_after_seconds(headers),
            reason,
        )
    names = {k.__name__ for k in type(exc).__mro__}
    if names & {"APITimeoutError", "APIConnectionError", "TimeoutError", "ConnectionError", "OSError"}:
        return Verdict(True, True, None, reason)
    if "APIResponseValidationError" in names:
        return Verdict(True, False, None, reason)
    return Verdict(False, False, None, reason)


@dataclass
class Endpoint(Generic[C]):
    """One server (base URL) with its SDK client and its own adaptive limit."""

    url: str
    client: C
    limit: float
    in_flight: int = 0
    epoch: int = 0
    overloaded: bool = False
    ok: int = 0
    errors: int = 0


@dataclass
class EndpointPool(Generic[C]):
    """Endpoints sharing the load under one concurrency cap; `acquire` picks the one with most room."""

    endpoints: list[Endpoint[C]]
    cap: int
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    seed: int = 0

    def __post_init__(self) -> None:
        self.floor = float(max(1, min(FLOOR, self.cap)))
        self._cond = asyncio.Condition()
        self._rng = random.Random(self.seed)
        self._turn = 0
        self.peak_in_flight = 0

    @classmethod
    def of(cls, clients: list[tuple[str, C]], cap: int, policy: RetryPolicy, initial: int = 8) -> EndpointPool[C]:
        start = float(max(1, min(cap, initial)))
        return cls([Endpoint(url, client, start) for url, client in clients], max(1, cap), policy)

    @property
    def in_flight(self) -> int:
        return sum(e.in_flight for e in self.endpoints)

    def _pick(self) -> Endpoint[C] | None:
        if self.in_flight >= self.cap:
            return None
        n = len(self.endpoints)
        order = [self.endpoints[(self._turn + i) % n] for i in range(n)]  # rotate so ties spread
        best = max(order, key=lambda e: math.floor(e.limit) - e.in_flight)
        return best if best.in_flight < math.floor(best.limit) else None

    async def acquire(self) -> tuple[Endpoint[C], int]:
        async with self._cond:
            while (ep := self._pick()) is None:
                await self._cond.wait()
            ep.in_flight += 1
            self._turn += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            return ep, ep.epoch

    async def release(self, ep: Endpoint[C], epoch: int, outcome: str) -> None:
        """outcome: "ok" (grow), "overload" (halve, once per epoch), or "error" (no change)."""
        async with self._cond:
            ep.in_flight -= 1
            if outcome == "ok":
                ep.ok += 1
                ep.limit = min(float(self.cap), ep.limit + (1.0 / ep.limit if ep.overloaded else 1.0))
            elif outcome == "overload":
                ep.errors += 1
                if epoch == ep.epoch:  # only requests sent since the last cut may cut again
                    ep.limit = max(self.floor, ep.limit / 2.0)
                    ep.epoch += 1
                    ep.overloaded = True
            else:
                ep.errors += 1
            self._cond.notify_all()

    async def call(self, request: Callable[[C], Awaitable[T]]) -> T | Failed:
        """`request(client)` with retries; its result, or a Failed with the last reason and the try count."""
        attempt = 0
        while True:
            attempt += 1
            ep, epoch = await self.acquire()
            try:
                result = await request(ep.client)
            except asyncio.CancelledError:
                await self.release(ep, epoch, "error")
                raise
            except Exception as exc:
                verdict = classify(exc)
                await self.release(ep, epoch, "overload" if verdict.overload else "error")
                if not verdict.retry or attempt >= self.policy.attempts:
                    tries = f"after {attempt} tries: " if attempt > 1 else ""
                    return Failed(f"{tries}{verdict.reason}")
                await asyncio.sleep(self.policy.backoff(attempt, verdict.retry_after, self._rng))
                continue
            await self.release(ep, epoch, "ok")
            return result

    def limits(self) -> dict[str, float]:
        """Current concurrency limit per endpoint (for logs and benchmarks)."""
        return {e.url: round(e.limit, 1) for e in self.endpoints}

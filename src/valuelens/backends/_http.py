"""Calling remote model servers at scale: adaptive concurrency over one or more endpoints, retries with
exponential backoff and jitter that honour Retry-After, and failure reasons free of secrets.

The runner gives an HTTP backend a batch of prompts per call and runs up to `max_concurrency` calls at
once; inside, `EndpointPool` decides how many requests really go out (AIMD, per endpoint: +1 per
success while no overload was seen, then +1/limit; halved on 429, 5xx, timeouts and dropped
connections) and where: to the endpoint expected to answer soonest, never to one drained after
failing several times in a row (it is probed again after a pause that doubles while it keeps failing).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from valuelens.backends._base import Failed
from valuelens.backends._neterrors import connection_failure
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


class InvalidAnswer(Exception):
    """A well-formed response whose content is impossible (a log-probability that is not finite or is
    positive); the prompt fails with this reason instead of entering the data. Not retried."""


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
    if isinstance(exc, InvalidAnswer):
        return Verdict(False, False, None, f"invalid answer: {reason}")
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
        found = connection_failure(exc)
        return Verdict(True, True, None, f"{found[0]}: {describe(found[1])}" if found else reason)
    if "APIResponseValidationError" in names:
        return Verdict(True, False, None, reason)
    return Verdict(False, False, None, reason)


DRAIN_AFTER = 3  # consecutive failed tries that take an endpoint out of rotation
DRAIN_FIRST, DRAIN_MAX = 1.0, 60.0  # seconds out of rotation; doubles each time a probe fails
LATENCY_WEIGHT = 0.2  # weight of the newest request in the moving average of latency


@dataclass
class Endpoint(Generic[C]):
    """One server (base URL) with its SDK client, its own adaptive limit and its measured health.

    `latency` is a moving average of answered requests' seconds; after DRAIN_AFTER failures in a row
    the endpoint is drained until `drained_until`, then one probe request decides whether it is back.
    """

    url: str
    client: C
    limit: float
    in_flight: int = 0
    epoch: int = 0
    overloaded: bool = False
    ok: int = 0
    errors: int = 0
    latency: float = 0.0
    failing: int = 0
    drained_until: float = 0.0
    drain_seconds: float = DRAIN_FIRST
    drains: int = 0

    def cost(self) -> float:
        """Expected seconds until one more request would be answered here (lower is better)."""
        return (self.in_flight + 1) * max(self.latency, 1e-4)


@dataclass
class EndpointPool(Generic[C]):
    """Endpoints sharing the load under one concurrency cap; `acquire` picks the one expected to answer
    soonest (its in-flight requests times its latency) among those with room that are not drained."""

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

    def _room(self, e: Endpoint[C], now: float) -> bool:
        if e.drained_until > now:
            return False
        if (
            e.failing >= DRAIN_AFTER and len(self.endpoints) > 1
        ):  # drain over: one probe at a time until an answer comes back
            return e.in_flight == 0
        return e.in_flight < math.floor(e.limit)

    def _pick(self, avoid: Endpoint[C] | None) -> Endpoint[C] | None:
        if self.in_flight >= self.cap:
            return None
        now = time.monotonic()
        n = len(self.endpoints)
        order = [self.endpoints[(self._turn + i) % n] for i in range(n)]  # rotate so ties spread
        open_ = [e for e in order if self._room(e, now)]
        others = [e for e in open_ if e is not avoid]  # a retry goes elsewhere when it can
        return min(others or open_, key=Endpoint.cost) if open_ else None

    def _next_drain_end(self) -> float | None:
        ends = [e.drained_until for e in self.endpoints if e.drained_until > time.monotonic()]
        return min(ends) - time.monotonic() if ends else None

    async def acquire(self, avoid: Endpoint[C] | None = None) -> tuple[Endpoint[C], int]:
        async with self._cond:
            while (ep := self._pick(avoid)) is None:
                wait = self._next_drain_end()
                with contextlib.suppress(TimeoutError):  # wake up when a drained endpoint may be probed again
                    await asyncio.wait_for(self._cond.wait(), None if wait is None else wait + 0.001)
            ep.in_flight += 1
            self._turn += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            return ep, ep.epoch

    async def release(self, ep: Endpoint[C], epoch: int, outcome: str, seconds: float = 0.0) -> None:
        """outcome: "ok" (grow), "overload" (halve, once per epoch), "error" (no change), or
        "faulty" (no change); overload and faulty count towards draining the endpoint."""
        async with self._cond:
            ep.in_flight -= 1
            if outcome == "ok":
                ep.ok += 1
                ep.failing, ep.drain_seconds = 0, DRAIN_FIRST
                ep.latency = seconds if ep.ok == 1 else ep.latency + LATENCY_WEIGHT * (seconds - ep.latency)
                ep.limit = min(float(self.cap), ep.limit + (1.0 / ep.limit if ep.overloaded else 1.0))
            else:
                ep.errors += 1
                if outcome == "overload" and epoch == ep.epoch:  # only requests sent since the last cut
                    ep.limit = max(self.floor, ep.limit / 2.0)
                    ep.epoch += 1
                    ep.overloaded = True
                if outcome in ("overload", "faulty"):
                    ep.failing += 1
                    if ep.failing >= DRAIN_AFTER and len(self.endpoints) > 1:
                        ep.drained_until = time.monotonic() + ep.drain_seconds
                        ep.drain_seconds = min(DRAIN_MAX, ep.drain_seconds * 2)
                        ep.drains += 1
            self._cond.notify_all()

    async def call(self, request: Callable[[C], Awaitable[T]]) -> T | Failed:
        """`request(client)` with retries; its result, or a Failed with the last reason and the try count."""
        attempt = 0
        last: Endpoint[C] | None = None
        while True:
            attempt += 1
            ep, epoch = await self.acquire(avoid=last)
            started = time.monotonic()
            try:
                result = await request(ep.client)
            except asyncio.CancelledError:
                await self.release(ep, epoch, "error")
                raise
            except Exception as exc:
                verdict = classify(exc)
                outcome = "overload" if verdict.overload else "faulty" if verdict.retry else "error"
                await self.release(ep, epoch, outcome)
                if not verdict.retry or attempt >= self.policy.attempts:
                    tries = f"after {attempt} tries: " if attempt > 1 else ""
                    return Failed(f"{tries}{verdict.reason}")
                last = ep
                await asyncio.sleep(self.policy.backoff(attempt, verdict.retry_after, self._rng))
                continue
            await self.release(ep, epoch, "ok", time.monotonic() - started)
            return result

    def limits(self) -> dict[str, float]:
        """Current concurrency limit per endpoint (for logs and benchmarks)."""
        return {e.url: round(e.limit, 1) for e in self.endpoints}

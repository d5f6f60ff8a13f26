"""The adaptive pool: grows while requests succeed, halves on overload, never exceeds its cap;
retries back off with jitter and honour Retry-After; non-retryable errors fail at once."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from valuelens.backends import Failed
from valuelens.backends._http import BadResponse, EndpointPool, RetryPolicy, classify, retry_after_seconds


class StatusError(Exception):
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"Error code: {status}")
        self.status_code = status
        self.response = type("R", (), {"headers": headers or {}})()


def test_retry_after_headers() -> None:
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past
    assert retry_after_seconds({"retry-after": "soon"}) is None and retry_after_seconds({}) is None


def test_classify() -> None:
    assert classify(StatusError(429, {"retry-after": "3"})).retry_after == 3.0
    assert classify(StatusError(429)).overload and classify(StatusError(503)).retry
    assert not classify(StatusError(401)).retry and not classify(StatusError(400)).overload
    assert classify(BadResponse("no logprobs")).retry and not classify(BadResponse("x")).overload
    assert not classify(TypeError("bug")).retry


def test_backoff_honours_retry_after_and_grows_with_jitter() -> None:
    policy, rng = RetryPolicy(base=0.5, cap=4.0), random.Random(0)
    assert policy.backoff(1, 2.0, rng) >= 2.0
    waits = [policy.backoff(6, None, rng) for _ in range(200)]
    assert max(waits) <= 4.0 and min(waits) >= 0.0 and len(set(waits)) > 100


def test_pool_grows_halves_and_respects_the_cap() -> None:
    async def main() -> None:
        pool: EndpointPool[str] = EndpointPool.of([("u", "client")], cap=32, policy=RetryPolicy(), initial=8)
        ep = pool.endpoints[0]
        for _ in range(40):
            e, epoch = await pool.acquire()
            await pool.release(e, epoch, "ok")
        assert ep.limit == 32  # slow start up to the cap
        held = [await pool.acquire() for _ in range(32)]
        for e, epoch in held:  # a burst of overloads sent in one window halves once
            await pool.release(e, epoch, "overload")
        assert ep.limit == 16
        e, epoch = await pool.acquire()
        await pool.release(e, epoch, "ok")
        assert 16 < ep.limit < 17  # additive increase after an overload

    asyncio.run(main())


def test_pool_never_has_more_in_flight_than_its_limit() -> None:
    async def main() -> int:
        pool: EndpointPool[str] = EndpointPool.of([("u", "c"), ("v", "c")], cap=10, policy=RetryPolicy(attempts=1))
        peak = 0

        async def request(client: str) -> int:
            nonlocal peak
            peak = max(peak, pool.in_flight)
            await asyncio.sleep(0.001)
            return 1

        results = await asyncio.gather(*(pool.call(request) for _ in range(300)))
        assert results == [1] * 300
        return peak

    assert asyncio.run(main()) <= 10


def test_call_retries_transient_errors_and_fails_fast_on_others() -> None:
    async def main() -> None:
        pool: EndpointPool[str] = EndpointPool.of([("u", "c")], 4, RetryPolicy(attempts=3, base=0.01))
        tries = 0

        async def flaky(client: str) -> str:
            nonlocal tries
            tries += 1
            if tries < 3:
                raise StatusError(500)
            return "ok"

        assert await pool.call(flaky) == "ok" and tries == 3
        started = time.monotonic()

        async def denied(client: str) -> str:
            raise StatusError(401)

        out = await pool.call(denied)
        assert isinstance(out, Failed) and "401" in out.reason and "tries" not in out.reason
        assert time.monotonic() - started < 0.5

        async def always_busy(client: str) -> str:
            raise StatusError(429, {"retry-after": "0"})

        busy = await pool.call(always_busy)
        assert isinstance(busy, Failed) and busy.reason.startswith("after 3 tries: ")

    asyncio.run(main())


@pytest.mark.parametrize("n_endpoints", [1, 3])
def test_pool_limits_report(n_endpoints: int) -> None:
    pool: EndpointPool[int] = EndpointPool.of([(f"u{i}", i) for i in range(n_endpoints)], 64, RetryPolicy())
    assert pool.limits() == {f"u{i}": 8.0 for i in range(n_endpoints)}

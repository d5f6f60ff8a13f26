"""Several endpoints: traffic follows measured latency, a failing endpoint is drained (not hammered)
and probed again later, and the run completes on the healthy ones."""

from __future__ import annotations

import asyncio
import time

import pytest
from tests.servers.openai_fake import Faults, serve

import valuelens
from valuelens.backends._http import DRAIN_AFTER, EndpointPool, RetryPolicy

pytest.importorskip("openai")


def test_one_slow_and_one_failing_endpoint(suite_file) -> None:
    (slow, hs), (bad, hb) = serve(Faults(latency=0.05)), serve(Faults(rate_500=1.0))
    try:
        r = valuelens.run("openai/fake?backoff=0.01", str(suite_file(60)), base_url=[slow.url + "/v1", bad.url + "/v1"])
    finally:
        slow.stop()
        bad.stop()
    s = r.summary()
    assert s["failed"] == 0 and len(hs.requests) == 120  # every prompt answered by the slow one, once
    # the failing one got its first failures (in flight together), then a probe now and then: few requests
    assert DRAIN_AFTER <= len(hb.requests) <= 30, len(hb.requests)


def test_traffic_follows_latency_and_a_drained_endpoint_is_probed_again() -> None:
    async def main() -> tuple[dict[str, int], int]:
        pool: EndpointPool[str] = EndpointPool.of(
            [("fast", "fast"), ("slow", "slow"), ("flaky", "flaky")], 16, RetryPolicy(attempts=8, base=0.001)
        )
        served = {"fast": 0, "slow": 0, "flaky": 0}
        flaky_until = time.monotonic() + 0.3  # fails for 0.3 s, then recovers

        async def request(client: str) -> str:
            served[client] += 1
            if client == "flaky" and time.monotonic() < flaky_until:
                raise ConnectionResetError("reset")
            await asyncio.sleep({"fast": 0.002, "slow": 0.02, "flaky": 0.002}[client])
            return client

        start = time.monotonic()
        while time.monotonic() - start < 1.6:
            await asyncio.gather(*(pool.call(request) for _ in range(16)))
        flaky = next(e for e in pool.endpoints if e.url == "flaky")
        return served, flaky.drains

    served, drains = asyncio.run(main())
    assert served["fast"] > 3 * served["slow"] > 0  # latency decides the share
    assert drains >= 1 and served["flaky"] > 20  # drained while failing, back in rotation after recovering

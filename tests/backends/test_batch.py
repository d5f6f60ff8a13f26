"""--batch against a fake batch server: answers under live cache keys, partial failures, expiry,
log-probability answers without a label sampled in a second round, waiting and resuming."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytest.importorskip("openai")
pytest.importorskip("anthropic")

from tests.servers.batch_fake import Behaviour, serve

from valuelens.backends.anthropic import AnthropicBackend
from valuelens.backends.openai import OpenAIBackend
from valuelens.prompts import Prompt
from valuelens.runner._batch_exec import BatchOptions, execute_batch
from valuelens.runner._execute import execute, prompt_key
from valuelens.store import Store
from valuelens.store._batches import BatchLedger

FAST = BatchOptions(poll_seconds=0.01)


def prompts(n: int) -> list[Prompt]:
    return [
        Prompt(
            system="Answer A or B." if i % 2 else None, user=f"Dilemma {i}: do X or Y?", text=f"Dilemma {i}\nAnswer:"
        )
        for i in range(n)
    ]


def backend(kind: str, url: str, spec: str = "") -> OpenAIBackend | AnthropicBackend:
    if kind == "openai":
        return OpenAIBackend("gpt-x" + spec, base_urls=[url + "/v1"])
    return AnthropicBackend("claude-x" + spec, base_urls=[url])


def keyed(be: OpenAIBackend | AnthropicBackend, ps: list[Prompt], samples: int) -> dict[str, Prompt]:
    return {prompt_key(be, p, samples): p for p in ps}


def run(be, store: Path, ps: dict[str, Prompt], samples: int, options: BatchOptions = FAST, **kw):
    with Store(store) as st:
        return asyncio.run(execute_batch(be, st, ps, samples, options=options, **kw))


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_answers_land_under_the_live_cache_keys(tmp_path: Path, kind: str) -> None:
    server, fake = serve(Behaviour(polls=3))
    with server:
        be = backend(kind, server.url)
        ps = keyed(be, prompts(12), samples=3)
        seen: list[tuple[int, int]] = []
        stats = run(be, tmp_path / "s.sqlite", ps, 3, progress=lambda d, t: seen.append((d, t)))
        assert fake.calls["create"] == 1 and fake.calls["poll"] >= 3
        assert stats.failed == 0 and stats.model_calls == 12 and stats.batches_submitted == 1
        assert stats.tokens_prompt > 0 and seen[-1] == (12, 12)
        [lines] = [b["lines"] for b in fake.batches.values()]
        assert len(lines) == (12 if kind == "openai" else 36)  # anthropic: one request per sample
        with Store(tmp_path / "s.sqlite") as st:
            got = st.get_ok(ps)
            assert set(got) == set(ps)
            shapes = {("logprobs" in r, "counts" in r) for r in got.values()}
            assert shapes == ({(True, False)} if kind == "openai" else {(False, True)})
            if kind == "anthropic":
                assert all(sum(r["counts"].values()) == 3 for r in got.values())
            # the same prompts asked live afterwards: all served from the store, no call
            live = asyncio.run(execute(be, st, ps, 3))
        assert live.cached_calls == 12 and live.model_calls == 0


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_partial_failures_are_recorded_and_asked_again(tmp_path: Path, kind: str) -> None:
    server, fake = serve(Behaviour(polls=1, error_rate=0.4))
    with server:
        be = backend(kind, server.url)
        ps = keyed(be, prompts(20), samples=2)
        first = run(be, tmp_path / "s.sqlite", ps, 2)
        assert 0 < first.failed < 20 and first.model_calls == 20 - first.failed
        assert all("fake invalid request" in r for r in first.failures.values())
        with Store(tmp_path / "s.sqlite") as st:
            assert set(st.failures(ps)) == set(first.failures)
        fake.behaviour.error_rate = 0.0
        second = run(be, tmp_path / "s.sqlite", ps, 2)
        assert second.cached_calls == 20 - first.failed and second.failed == 0
        assert len(fake.batches["batch_1" if kind == "openai" else "msgbatch_1"]["lines"]) == first.failed * (
            1 if kind == "openai" else 2
        )
        with Store(tmp_path / "s.sqlite") as st:
            assert len(st.get_ok(ps)) == 20


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_expired_batch_fails_the_rest_with_its_reason(tmp_path: Path, kind: str) -> None:
    server, fake = serve(Behaviour(polls=1, expire=True, expire_done=0.5))
    with server:
        be = backend(kind, server.url)
        ps = keyed(be, prompts(10), samples=1)
        first = run(be, tmp_path / "s.sqlite", ps, 1)
        assert first.failed == 5 and first.model_calls == 5
        assert all("expired" in r for r in first.failures.values())
        fake.behaviour.expire = False
        second = run(be, tmp_path / "s.sqlite", ps, 1)
        assert second.failed == 0 and second.model_calls == 5


def test_no_label_among_top_logprobs_is_sampled_in_a_second_batch(tmp_path: Path) -> None:
    server, fake = serve(Behaviour(polls=1, no_label_rate=0.5))
    with server:
        be = backend("openai", server.url)
        ps = keyed(be, prompts(16), samples=4)
        stats = run(be, tmp_path / "s.sqlite", ps, 4)
        assert stats.failed == 0 and fake.calls["create"] == 2
        second = fake.batches["batch_1"]["lines"]
        assert 0 < len(second) < 16 and all(line["body"]["n"] == 4 for line in second)
        with Store(tmp_path / "s.sqlite") as st:
            got = st.get_ok(ps)
        sampled = [r for r in got.values() if "counts" in r]
        assert len(sampled) == len(second) and all(sum(r["counts"].values()) == 4 for r in sampled)


def test_stop_waiting_then_resume_without_submitting_again(tmp_path: Path) -> None:
    server, fake = serve(Behaviour(polls=10_000))
    with server:
        be = backend("anthropic", server.url)
        ps = keyed(be, prompts(6), samples=2)
        first = run(be, tmp_path / "s.sqlite", ps, 2, BatchOptions(poll_seconds=0.01, max_wait=0.05))
        assert first.waiting == 6 and first.failed == 6
        assert all(r.startswith("waiting in batch msgbatch_0") for r in first.failures.values())
        fake.batches["msgbatch_0"]["polls"] = 1
        second = run(be, tmp_path / "s.sqlite", ps, 2)
        assert fake.calls["create"] == 1 and second.batches_resumed == 1 and second.model_calls == 6
        with Store(tmp_path / "s.sqlite") as st:
            assert len(st.get_ok(ps)) == 6 and BatchLedger(st).open_batches(be.fingerprint) == []


def test_batch_cost_is_half_the_list_price(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server, _ = serve(Behaviour(polls=1))
    with server:
        be = backend("anthropic", server.url)
        from valuelens.backends import Price

        be.price = Price(1.0, 5.0, "2025-10")
        stats = run(be, tmp_path / "s.sqlite", keyed(be, prompts(4), 2), 2)
        full = be.price.cost(stats.tokens_prompt, stats.tokens_completion)
        assert stats.cost_usd(be) == pytest.approx(full / 2) and full > 0
        assert stats.run_stats(1.0, 0, stats.cost_usd(be))["batch"] is True


def test_spend_guard_holds_back_prompts_past_the_limit(tmp_path: Path) -> None:
    from valuelens.backends import Price
    from valuelens.runner._plan import request_shape
    from valuelens.runner._spend import SpendGuard

    server, fake = serve(Behaviour(polls=1))
    with server:
        be = backend("anthropic", server.url)
        ps = keyed(be, prompts(10), samples=2)
        guard = SpendGuard.for_model(1.0, be.name, Price(1.0, 5.0, "2025-10").batched(0.5), request_shape(be, 2))
        guard.limit_usd = 3.5 * guard.worst_cost([next(iter(ps.values()))])
        stats = run(be, tmp_path / "s.sqlite", ps, 2, guard=guard)
        assert stats.model_calls == 3 and len(fake.batches["msgbatch_0"]["lines"]) == 6
        assert guard.stopped and guard.reserved_usd == pytest.approx(0.0) and 0 < guard.spent_usd <= guard.limit_usd
        with Store(tmp_path / "s.sqlite") as st:
            assert len(st.get_ok(ps)) == 3 and st.failures(ps) == {}  # the rest: not asked, asked on a rerun

"""openai/...: label log-probabilities from the top-k (bounded when a label is missing), chat and
completions endpoints, fallback to samples, several endpoints, model-name options."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from tests.servers.openai_fake import Faults, serve

import valuelens
from valuelens.backends import get_backend
from valuelens.backends.openai import label_logprobs
from valuelens.errors import BackendError

pytest.importorskip("openai")


def test_label_logprobs_sum_spellings_and_bound_missing_labels() -> None:
    top = {" A": math.log(0.5), "A": math.log(0.1), " I": math.log(0.2), "\n": math.log(0.01)}
    lp = label_logprobs(top, ["A", "B"])
    assert lp is not None and lp["A"] == pytest.approx(math.log(0.6))
    assert lp["B"] == pytest.approx(math.log(0.01)) and lp.bounded == ("B",)  # an upper bound, marked
    both = label_logprobs({" A": -1.0, " B": -2.0}, ["A", "B"])
    assert both is not None and both.bounded == ()
    assert label_logprobs({" I": -0.1, " The": -3.0}, ["A", "B"]) is None  # no label at all: sample instead


@pytest.fixture
def fake(request):
    server, handler = serve(getattr(request, "param", Faults()), max_requests=5_000, max_seconds=60)
    yield server.url + "/v1", handler
    server.stop()


def test_chat_sends_system_and_user_and_counts_bounded(fake, suite_file, tmp_path: Path) -> None:
    url, handler = fake
    handler.faults.rate_bounded = 0.5
    r = valuelens.run("openai/fake-chat", str(suite_file(20)), base_url=url, system_prompt="Be brief.")
    s = r.summary()
    assert s["failed"] == 0 and s["model_calls"] == 40 and 0 < s["bounded"] < 40
    req = handler.requests[0]
    assert req["logprobs"] is True and req["top_logprobs"] == 20 and req["max_tokens"] == 1
    assert [m["role"] for m in req["messages"]] == ["system", "user"] and req["messages"][0]["content"] == "Be brief."
    assert all(0 < p < 1 for p in r.table.p_a_first)


@pytest.mark.parametrize(
    "fake",
    [Faults(logprobs=False), Faults(reject_logprobs=True)],
    indirect=True,
    ids=["no-logprobs", "400-on-logprobs"],
)
def test_falls_back_to_samples_without_logprobs(fake, suite_file) -> None:
    url, handler = fake
    r = valuelens.run("openai/fake?api=completions", str(suite_file(10)), base_url=url, samples=4)
    s = r.summary()
    assert s["failed"] == 0 and s["model_calls"] == 20 and s["bounded"] == 0
    sampled = [q for q in handler.requests if not q.get("logprobs")]
    assert sampled and all(q["n"] == 4 and q["prompt"] for q in sampled)
    assert len(handler.requests) <= 20 + 3 + len(sampled)  # at most a few probes before sampling


def test_several_endpoints_share_the_load(suite_file) -> None:
    (a, ha), (b, hb) = serve(Faults(latency=0.01)), serve(Faults(latency=0.01))
    try:
        r = valuelens.run("openai/fake", str(suite_file(30)), base_url=[a.url + "/v1", b.url + "/v1"])
    finally:
        a.stop()
        b.stop()
    assert r.summary()["failed"] == 0
    assert len(ha.requests) > 10 and len(hb.requests) > 10 and len(ha.requests) + len(hb.requests) == 60


def test_model_name_options_and_settings_are_checked(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(BackendError, match="OPENAI_API_KEY"):
        get_backend("openai/gpt-4o-mini")
    with pytest.raises(BackendError, match="unknown option 'temp'"):
        get_backend("openai/m?temp=1", base_urls=["http://127.0.0.1:9/v1"])
    with pytest.raises(BackendError, match="api must be one of"):
        get_backend("openai/m?api=embeddings", base_urls=["http://127.0.0.1:9/v1"])
    with pytest.raises(BackendError, match="--base-url applies"):
        get_backend("synthetic/default", base_urls=["http://127.0.0.1:9/v1"])
    monkeypatch.setenv("OPENAI_BASE_URL", "http://user:pw-secret-77@127.0.0.1:9/v1/")
    with pytest.raises(BackendError, match="credentials in a URL are refused; set OPENAI_API_KEY") as info:
        get_backend("openai/m")
    assert "pw-secret-77" not in str(info.value) and "user" not in str(info.value)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
    be = get_backend("openai/m?api=completions&retries=2&batch=4")
    assert be.base_urls == ["http://127.0.0.1:9/v1"] and be.price is None and be.max_batch == 4
    assert be.fingerprint != get_backend("openai/m").fingerprint  # the endpoint kind changes answers
    same = get_backend("openai/m?api=completions&retries=5&batch=32")
    assert be.fingerprint == same.fingerprint  # retries and batch size do not
    here = get_backend("openai/m?fleet=big&batch=2", base_urls=["http://10.0.0.1:8000/v1"])
    there = get_backend("openai/m?fleet=big", base_urls=["http://10.0.0.2:8000/v1", "http://10.0.0.3:8000/v1"])
    assert here.fingerprint == there.fingerprint != get_backend("openai/m?fleet=small").fingerprint
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x-123456")
    assert get_backend("openai/gpt-4o-mini-2024-07-18").price.input == pytest.approx(0.15)

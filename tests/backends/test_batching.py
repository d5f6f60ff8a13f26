"""Several prompts per request on the completions endpoint, one conversation per chat request, and
answers committed in one transaction per batch."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.servers.openai_fake import Faults, serve

import valuelens
from valuelens.store import Store

pytest.importorskip("openai")


@pytest.fixture
def fake():
    server, handler = serve(Faults(), max_requests=5_000, max_seconds=60)
    yield server.url + "/v1", handler
    server.stop()


def test_completions_send_lists_of_prompts_with_both_orders_together(fake, suite_file, tmp_path: Path) -> None:
    url, handler = fake
    suite = str(suite_file(20))
    one = valuelens.run("openai/fake?api=completions&batch=1", suite, base_url=url, store=tmp_path / "one.sqlite")
    n_single = len(handler.requests)
    many = valuelens.run("openai/fake?api=completions&batch=6", suite, base_url=url, store=tmp_path / "six.sqlite")
    lists = handler.requests[n_single:]
    assert n_single == 40 and all(isinstance(q["prompt"], str) for q in handler.requests[:n_single])
    assert all(isinstance(q["prompt"], list) and 1 <= len(q["prompt"]) <= 6 for q in lists)
    assert len(lists) == 7  # 40 prompts in batches of 6
    sent = [p for q in lists for p in q["prompt"]]
    assert len(sent) == len(set(sent)) == 40  # every prompt once
    # both orders of a dilemma travel in the same request (they share everything up to the options)
    for q in lists:
        heads = [p.split("A. ")[0] for p in q["prompt"]]
        assert all(heads.count(h) == 2 for h in heads)
    # the same answers as one prompt per request, each prompt matched to its own choice
    assert one.table.p_a_first.tolist() == pytest.approx(many.table.p_a_first.tolist(), abs=1e-12)
    assert one.table.p_a_second.tolist() == pytest.approx(many.table.p_a_second.tolist(), abs=1e-12)
    assert many.summary()["failed"] == 0 and many.summary()["model_calls"] == 40


def test_chat_keeps_one_conversation_per_request(fake, suite_file) -> None:
    url, handler = fake
    r = valuelens.run("openai/fake-chat?batch=8", str(suite_file(10)), base_url=url)
    assert r.summary()["failed"] == 0 and len(handler.requests) == 20
    assert all("messages" in q and "prompt" not in q for q in handler.requests)


def test_answers_are_committed_in_one_transaction_per_batch(fake, suite_file, monkeypatch) -> None:
    url, _ = fake
    groups: list[int] = []
    original = Store.put_responses

    def spy(self: Store, rows) -> None:
        groups.append(len(rows))
        original(self, rows)

    monkeypatch.setattr(Store, "put_responses", spy)
    r = valuelens.run("openai/fake?api=completions&batch=8", str(suite_file(20)), base_url=url)
    assert r.summary()["failed"] == 0
    assert sorted(groups, reverse=True) == [8, 8, 8, 8, 8]  # 40 answers in five commits, not forty

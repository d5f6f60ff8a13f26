"""The runner samples only the prompts whose log-probability entry is None, and commits a batch's answers
and failures together (one `put_responses` call per batch)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from valuelens.backends import Failed, Logprobs, Usage
from valuelens.backends._base import BackendBase
from valuelens.prompts import Prompt
from valuelens.runner import execute, logprob_result, samples_result
from valuelens.store import Store


def _prompt(i: int) -> Prompt:
    return Prompt(system=None, user=f"q{i}", text=f"q{i}")


class _Mixed(BackendBase):
    """Prompt q0: log-probabilities; q1 and q3: no label in the top-k (None); q2: failed."""

    name = "mixed/test"
    fingerprint = "mixed"
    max_batch = 4

    def __init__(self) -> None:
        self.usage = Usage()
        self.sampled: list[str] = []

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> list[Logprobs | Failed | None]:
        table = {"q0": Logprobs({"A": -0.1, "B": -2.5}), "q2": Failed("server said no")}
        return [table.get(p.user) for p in prompts]

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        self.sampled += [p.user for p in prompts]
        return [["B", "B", "A"][:n] if p.user == "q1" else ["I'm sorry, I can't."] * n for p in prompts]


def test_only_prompts_without_logprobs_are_sampled(tmp_path: Path, monkeypatch) -> None:
    be = _Mixed()
    prompts = {f"k{i}": _prompt(i) for i in range(4)}
    calls: list[int] = []
    with Store(tmp_path / "s.sqlite") as st:
        put = st.put_responses
        monkeypatch.setattr(st, "put_responses", lambda rows: (calls.append(len(rows)), put(rows))[1])
        stats = asyncio.run(execute(be, st, prompts, samples=3))
        ok, failed = st.get_ok(prompts), st.failures(prompts)
    assert be.sampled == ["q1", "q3"]  # q0 had log-probabilities, q2 failed: neither is sampled
    assert calls == [4]  # one batch of four prompts, one write
    assert ok["k0"] == {"logprobs": {"A": -0.1, "B": -2.5}}
    assert ok["k1"]["counts"] == {"A": 1, "B": 2} and ok["k1"]["refused"] == 0
    assert ok["k3"]["refused"] == 3 and not any(ok["k3"]["counts"].values())  # refused throughout: an answer
    assert failed == {"k2": "server said no"} and stats.failed == 1 and stats.model_calls == 4


def test_result_builders() -> None:
    bounded = Logprobs({"A": -0.2, "B": -9.0})
    bounded.bounded = ("B",)
    assert logprob_result(bounded) == {"logprobs": {"A": -0.2, "B": -9.0}, "bounded": ["B"]}
    assert logprob_result({"A": -0.2, "B": -1.0}) == {"logprobs": {"A": -0.2, "B": -1.0}}
    unreadable = samples_result(_prompt(0), ["maybe", "hmm"])
    assert isinstance(unreadable, Failed) and "no parseable answer in 2 samples" in unreadable.reason
    got = samples_result(_prompt(0), ["A", "Option B", "??"])
    assert got == {"samples": ["A", "Option B", "??"], "counts": {"A": 1, "B": 1}, "unparsed": 1, "refused": 0}

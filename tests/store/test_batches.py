"""The batch ledger: batches in flight survive a reopened store; closing and hints."""

from __future__ import annotations

from pathlib import Path

from valuelens.store import Store
from valuelens.store._batches import BatchLedger, BatchRequest


def test_open_batches_survive_reopening_and_close(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    reqs = [
        BatchRequest("q0-0", "k0", "sample"),
        BatchRequest("q0-1", "k0", "sample"),
        BatchRequest("q1-0", "k1", "sample"),
    ]
    with Store(path) as st:
        ledger = BatchLedger(st)
        ledger.record("b1", "anthropic", "fp", reqs, {"model": "anthropic/x"})
        ledger.record("b2", "anthropic", "other-fp", reqs[:1], {})
    with Store(path) as st:  # a new process: the batch is still there, with its requests in order
        ledger = BatchLedger(st)
        [b] = ledger.open_batches("fp")
        assert (b.batch_id, b.provider, b.requests, b.keys) == ("b1", "anthropic", reqs, {"k0", "k1"})
        ledger.close("b1", "ended")
        assert ledger.open_batches("fp") == [] and ledger.status("b1") == "ended"
        assert [x.batch_id for x in ledger.open_batches("other-fp")] == ["b2"]
        assert st.get_ok(["k0"]) == {}  # the ledger never writes responses


def test_hints_per_backend(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as st:
        ledger = BatchLedger(st)
        ledger.hint("fp", "k1", "sample")
        ledger.hint("fp", "k1", "sample")
        assert ledger.hints("fp", ["k0", "k1"]) == {"k1": "sample"}
        assert ledger.hints("other", ["k1"]) == {}

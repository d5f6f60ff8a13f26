"""`utilities --design fixed`: pairs fixed by the seed and the outcomes alone, so a run splits over machines
(`--shard I/N`) and the merged stores equal a one-machine run; the active design refuses a shard."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import valuelens
from valuelens.analysis._fixed_design import fixed_pairs
from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.runner import Shard
from valuelens.store import Store, merge_stores

N = 20
BUDGET = math.ceil(2 * N * math.log2(N))  # the default, as for the active design
HELD = round(0.1 * BUDGET)


def _keys(pairs: np.ndarray, n: int) -> set[int]:
    return set((np.minimum(pairs[:, 0], pairs[:, 1]) * n + np.maximum(pairs[:, 0], pairs[:, 1])).tolist())


def test_fixed_pairs_are_distinct_balanced_and_a_function_of_their_arguments() -> None:
    for n, m in [(2, 1), (3, 3), (11, 20), (200, 3058), (510, 9180), (10, 45), (12, 60)]:
        pairs = fixed_pairs(n, m, seed=7)
        assert pairs.shape == (m, 2) and (pairs[:, 0] != pairs[:, 1]).all() and len(_keys(pairs, n)) == m
        assert (pairs == fixed_pairs(n, m, seed=7)).all()
        degree = np.bincount(pairs.ravel(), minlength=n)
        if m <= n * (n - 1) // 4:  # sparse: matchings, every item compared about equally often
            assert degree.max() - degree.min() <= max(2, 0.25 * 2 * m / n)
    assert not (fixed_pairs(200, 3058, seed=1) == fixed_pairs(200, 3058, seed=2)).all()
    with pytest.raises(ValueError):
        fixed_pairs(4, 7)


def test_fixed_pairs_connect_every_item() -> None:
    """A design whose graph falls apart cannot place one group's utilities against another's."""
    pairs = fixed_pairs(200, 3 * 100, seed=0)  # degree 3 on average
    seen, frontier = {0}, [0]
    neighbours: dict[int, set[int]] = {}
    for a, b in pairs.tolist():
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    while frontier:
        nxt = [v for u in frontier for v in neighbours.get(u, ()) if v not in seen]
        seen.update(nxt)
        frontier = nxt
    assert len(seen) == 200


def _items(store: Path, run_id: str) -> list[tuple[str, int, int, str]]:
    with Store(store) as st:
        return sorted(st.run_items(run_id))


def _asked(store: Path, run_id: str) -> set[str]:
    with Store(store) as st:
        keys = [k for *_, k in st.run_items(run_id)]
        return set(st.get_ok(keys)) | set(st.failures(keys))


def test_two_shards_merged_equal_a_one_machine_run(tmp_path: Path) -> None:
    common = {"limit": N, "design": "fixed", "seed": 3}
    one = valuelens.fit_utilities("synthetic/default", store=tmp_path / "one.sqlite", **common)
    shards = [
        valuelens.fit_utilities("synthetic/default", store=tmp_path / f"s{i}.sqlite", shard=f"{i}/2", **common)
        for i in (1, 2)
    ]
    assert one.run_id == shards[0].run_id == shards[1].run_id  # the shard is not part of the run's identity
    assert one.summary()["prompts"] == 2 * 2 * (BUDGET + HELD) // 2 == 2 * (BUDGET + HELD)
    # disjoint shares of the same pairs, both orders of a pair in one shard
    asked = [_asked(tmp_path / f"s{i}.sqlite", one.run_id) for i in (1, 2)]
    assert not asked[0] & asked[1] and asked[0] | asked[1] == _asked(tmp_path / "one.sqlite", one.run_id)
    for i, share in enumerate(asked, start=1):
        items = _items(tmp_path / f"s{i}.sqlite", one.run_id)
        assert items == _items(tmp_path / "one.sqlite", one.run_id)  # every shard records the whole design
        held = {item for item, _, _, key in items if key in share}
        assert all(Shard(i, 2).holds(item) for item in held)
        assert {(item, order) for item, _, order, key in items if item in held} == {
            (item, order) for item, _, order, key in items if key in share
        }  # both orders of a pair asked on the same machine
        assert 0.3 < len(share) / (2 * (BUDGET + HELD)) < 0.7
        s = shards[i - 1].summary()
        assert s["status"] == "incomplete" and s["failed"] == 0  # the other shard's pairs: not asked, not failed
    merged = tmp_path / "all.sqlite"
    merge_stores(merged, [tmp_path / "s1.sqlite", tmp_path / "s2.sqlite"])
    again = valuelens.fit_utilities("synthetic/default", store=merged, **common)
    assert _items(merged, one.run_id) == _items(tmp_path / "one.sqlite", one.run_id)  # the same pairs
    assert again.invocation is not None and again.invocation.model_calls == 0  # asks nothing
    a, b = one.summary(), again.summary()
    assert a["status"] == b["status"] == "complete" and a["comparisons"] == b["comparisons"] == BUDGET
    assert [o["outcome"] for o in a["outcomes"]] == [o["outcome"] for o in b["outcomes"]]
    assert np.allclose([o["mean"] for o in a["outcomes"]], [o["mean"] for o in b["outcomes"]], atol=1e-12)
    assert a["coherence"] == b["coherence"]


def test_fixed_pairs_do_not_depend_on_the_answers(tmp_path: Path) -> None:
    """Two models that answer differently are asked the same pairs (the active design asks different ones)."""

    def pairs(model: str, design: str) -> set[str]:
        r = valuelens.fit_utilities(model, limit=N, design=design, store=tmp_path / f"{design}.sqlite")
        return {item for item, *_ in _items(tmp_path / f"{design}.sqlite", r.run_id)}

    assert pairs("synthetic/default", "fixed") == pairs("synthetic/strong@5", "fixed")
    assert pairs("synthetic/default", "active") != pairs("synthetic/strong@5", "active")


def test_the_design_is_part_of_the_run_identity(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    active = valuelens.fit_utilities("synthetic/default", limit=8, store=store)
    fixed = valuelens.fit_utilities("synthetic/default", limit=8, design="fixed", store=store)
    assert active.run_id != fixed.run_id
    assert fixed.record.spec["design"] == "fixed" and "design" not in active.record.spec


def test_a_shard_of_the_active_design_is_refused_with_one_line(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    got = CliRunner().invoke(
        app, ["utilities", "-m", "synthetic/default", "-n", "8", "--shard", "1/2", "--store", str(store)]
    )
    assert got.exit_code == 2
    [line] = got.stderr.strip().splitlines()
    assert line.startswith("--shard: the active design chooses each round's pairs from earlier answers")
    assert "use --design fixed" in line
    with Store(store) as st:
        assert st.list_runs() == []
    with pytest.raises(InputError, match="--design: expected active or fixed, got 'random'"):
        valuelens.fit_utilities("synthetic/default", limit=8, design="random", store=store)


def test_the_cli_splits_merges_and_refits(tmp_path: Path) -> None:
    args = ["utilities", "-m", "synthetic/default", "-n", str(N), "--design", "fixed", "--json"]
    for i in (1, 2):
        got = CliRunner().invoke(app, [*args, "--shard", f"{i}/2", "--store", str(tmp_path / f"{i}.sqlite")])
        assert got.exit_code == 0, got.output
    merged = CliRunner().invoke(
        app, ["store", "merge", str(tmp_path / "m.sqlite"), *(str(tmp_path / f"{i}.sqlite") for i in (1, 2))]
    )
    assert merged.exit_code == 0 and "1 runs (1 complete)" in merged.stdout
    again = CliRunner().invoke(app, [*args, "--store", str(tmp_path / "m.sqlite")])
    summary = json.loads(again.stdout)
    assert summary["model_calls"] == 0 and summary["cached_calls"] == 2 * (BUDGET + HELD)
    assert summary["status"] == "complete"


def test_dry_run_of_the_fixed_design_plans_every_prompt(tmp_path: Path) -> None:
    args = [
        "utilities",
        "-m",
        "synthetic/default",
        "-n",
        str(N),
        "--dry-run",
        "--json",
        "--store",
        str(tmp_path / "s.sqlite"),
    ]
    fixed = json.loads(CliRunner().invoke(app, [*args, "--design", "fixed"]).stdout)
    assert fixed["prompts"] == fixed["to_ask"] == 2 * (BUDGET + HELD)
    shard = json.loads(CliRunner().invoke(app, [*args, "--design", "fixed", "--shard", "2/3"]).stdout)
    assert 0 < shard["prompts"] < fixed["prompts"] / 2
    active = json.loads(CliRunner().invoke(app, args).stdout)
    [first] = active["runs"]
    assert first["prompts"] == N  # the first round, a matching: N/2 pairs in both orders
    assert first["condition"] == f"active design, first round only: up to {2 * (BUDGET + HELD)} prompts in all"
    with Store(tmp_path / "s.sqlite") as st:
        assert st.list_runs() == []

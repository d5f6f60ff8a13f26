"""Two identical runs on one store share the work through claims with a lease."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from valuelens.store import Store

SCRIPT = """
import json, sys
import valuelens
run = valuelens.run(sys.argv[1], "core", limit=int(sys.argv[3]), store=sys.argv[2])
s = run.summary()
print(json.dumps({"calls": s["model_calls"], "cached": s["cached_calls"], "run_id": run.run_id}))
"""
MODEL = "synthetic/default?delay=0.004"  # an artificial delay per prompt, so that both are in flight at once
DILEMMAS = 120


def _start(store: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, MODEL, str(store), str(DILEMMAS)], stdout=subprocess.PIPE, text=True
    )


def _result(proc: subprocess.Popen[str]) -> dict:
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0
    return json.loads(out.strip().splitlines()[-1])


def test_two_identical_runs_make_at_most_1_05x_the_calls_of_one(tmp_path: Path) -> None:
    alone = _result(_start(tmp_path / "alone.sqlite"))
    assert alone["calls"] == 2 * DILEMMAS  # both orders of every dilemma; the yardstick
    shared = tmp_path / "shared.sqlite"
    a, b = _start(shared), _start(shared)
    ra, rb = _result(a), _result(b)
    assert ra["run_id"] == rb["run_id"] == alone["run_id"]
    assert ra["calls"] + rb["calls"] <= 1.05 * alone["calls"], (ra, rb)
    assert ra["calls"] + ra["cached"] == rb["calls"] + rb["cached"] == 2 * DILEMMAS
    with Store(shared) as st:
        keys = [k for *_, k in st.run_items(ra["run_id"])]
        assert len(st.get_ok(keys)) == len(keys)  # every prompt answered once, by one of the two


def test_a_claim_held_by_a_live_owner_is_left_alone(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as st:
        assert st.claim(["k1", "k2"], "other|pid=1|x") == ["k1", "k2"]  # pid 1 is alive
        assert st.claim(["k1", "k2", "k3"], "me") == ["k3"]
        st.release_claims("other|pid=1|x")
        assert st.claim(["k1", "k2"], "me") == ["k1", "k2"]


def test_claims_of_a_dead_process_or_an_expired_lease_are_taken_over(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    with Store(tmp_path / "s.sqlite") as st:
        st.claim(["k1"], f"{socket.gethostname()}|pid={dead.pid}|x")
        assert st.claim(["k1"], "me") == ["k1"]  # a killed run's claims do not make the rerun wait
        st.claim(["k2"], "elsewhere|pid=5|y", lease=0.05)
        assert st.claim(["k2"], "me") == []
        time.sleep(0.1)
        assert st.claim(["k2"], "me") == ["k2"]


def test_answered_prompts_are_not_claimed(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as st:
        st.put_response("k1", "m", "choice", {"logprobs": {"A": -1.0, "B": -2.0}})
        st.put_response("k2", "m", "choice", error="timed out")
        assert st.claim(["k1", "k2"], "me") == ["k2"]

"""Golden output: the JSON of every study on the synthetic backend is the same as when the files under
tests/golden/ were written. Refresh them only for an intended change of output:
VALUELENS_UPDATE_GOLDEN=1 python3 -m pytest tests/test_golden.py

Dropped before comparing, because they differ between invocations: `seconds` (wall time) and the
temporary store directory inside any string (replaced by <TMP>).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from valuelens.cli import app

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("VALUELENS_UPDATE_GOLDEN") == "1"
VOLATILE = frozenset({"seconds"})
MODEL = "synthetic/default"

runner = CliRunner()


def _clean(x: Any, tmp: str) -> Any:
    if isinstance(x, dict):
        return {k: _clean(v, tmp) for k, v in x.items() if k not in VOLATILE}
    if isinstance(x, list):
        return [_clean(v, tmp) for v in x]
    if isinstance(x, str):
        return x.replace(tmp, "<TMP>")
    return x


def _same(a: Any, b: Any, where: str = "$") -> None:
    """Equal structure and strings; numbers equal up to floating-point noise (1e-9 relative); NaN equals NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{where}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, int | float) and not isinstance(b, bool):
        same = math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
        assert same, f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("golden")
    store = str(tmp / "store.sqlite")

    def cli(*args: str) -> Any:
        res = runner.invoke(app, [*args, "--store", store, "--json"])
        assert res.exit_code == 0, res.output
        return _clean(json.loads(res.stdout), str(tmp))

    out: dict[str, Any] = {}
    out["run"] = cli("run", "-m", MODEL, "--limit", "60", "--seed", "1")
    out["run_persona"] = cli("run", "-m", MODEL, "--limit", "60", "--seed", "1", "--persona", "japan")
    out["survey"] = cli("survey", "-m", MODEL, "--against", out["run"]["run_id"], "--seed", "1")
    out["steer"] = cli("steer", "-m", MODEL, "--principle", "benevolence", "--n-boot", "200")
    out["compare"] = cli("compare", out["run"]["run_id"], out["run_persona"]["run_id"], "--n-boot", "200")
    out["sweep"] = cli(
        "sweep", "-m", MODEL, "-m", "synthetic/unbiased@2", "--persona", "japan", "--principle", "power",
        "--limit", "60", "--n-boot", "200", "--seed", "1",
    )  # fmt: skip
    out["utilities"] = cli("utilities", "-m", MODEL, "--limit", "12", "--seed", "1")
    for kind in ("run", "survey", "utilities"):
        out[f"show_{kind}"] = cli("show", out[kind]["run_id"])
    return out


NAMES = ("run", "run_persona", "survey", "steer", "compare", "sweep", "utilities", "show_run", "show_survey")
NAMES += ("show_utilities",)


@pytest.mark.parametrize("name", NAMES)
def test_output_matches_golden(outputs: dict[str, Any], name: str) -> None:
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(outputs[name], indent=1, sort_keys=False) + "\n", encoding="utf-8")
    _same(outputs[name], json.loads(path.read_text(encoding="utf-8")))

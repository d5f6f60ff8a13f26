"""Fixtures for the report tests: real synthetic runs, and a suite full of injection payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_payloads import PAYLOADS, SUITE_NAME, evil_dilemmas

import valuelens


@pytest.fixture(scope="session")
def core_run(tmp_path_factory: pytest.TempPathFactory) -> valuelens.Run:
    """A synthetic run on the first 60 core dilemmas (shared by the read-only report tests)."""
    store = tmp_path_factory.mktemp("core") / "store.sqlite"
    return valuelens.run("synthetic/default", "core", limit=60, seed=0, store=store)


@pytest.fixture(scope="session")
def evil_run(tmp_path_factory: pytest.TempPathFactory) -> valuelens.Run:
    """A synthetic run of the payload suite, with payloads in the system prompt and persona too."""
    root = tmp_path_factory.mktemp("evil")
    suite = root / f"{SUITE_NAME}.jsonl"
    suite.write_text("".join(json.dumps(d) + "\n" for d in evil_dilemmas()), encoding="utf-8")
    return valuelens.run(
        "synthetic/default",
        str(suite),
        system_prompt=PAYLOADS[2] + " " + PAYLOADS[0],
        persona=PAYLOADS[1],
        store=root / "store.sqlite",
    )


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path

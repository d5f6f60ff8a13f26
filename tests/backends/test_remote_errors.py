"""Wrong answers from a server never enter the data, transport failures are named, and the exit code
says when prompts failed (all of them; any of them with --strict)."""

from __future__ import annotations

import errno
import math
import socket

import pytest
from tests.servers.openai_fake import Faults, serve
from typer.testing import CliRunner

import valuelens
from valuelens.backends._http import InvalidAnswer, classify
from valuelens.backends._neterrors import connection_failure
from valuelens.backends.openai import top_logprobs
from valuelens.cli import app

pytest.importorskip("openai")


def _choice(lp: float) -> dict:
    return {"logprobs": {"top_logprobs": [{" A": lp, " B": -2.0}]}}


@pytest.mark.parametrize("lp", [math.inf, -math.inf, math.nan, 0.5])
def test_impossible_logprobs_are_an_invalid_answer(lp: float) -> None:
    with pytest.raises(InvalidAnswer, match="not finite and <= 0"):
        top_logprobs(_choice(lp), "completions")
    verdict = classify(InvalidAnswer("x"))
    assert not verdict.retry and verdict.reason.startswith("invalid answer")


def test_rounding_above_zero_is_read_as_zero() -> None:
    assert top_logprobs(_choice(3e-7), "completions") == {" A": 0.0, " B": -2.0}


@pytest.mark.parametrize("lp", [math.inf, 0.7])
def test_a_run_stores_impossible_logprobs_as_failures(lp: float, suite_file) -> None:
    server, handler = serve(Faults(label_logprob=lp), max_seconds=60)
    try:
        r = valuelens.run("openai/fake?api=completions&batch=4", str(suite_file(4)), base_url=server.url + "/v1")
    finally:
        server.stop()
    s = r.summary()
    assert s["failed"] == 8 and s["model_calls"] == 8 and len(handler.requests) == 2  # not retried
    assert all("not finite and <= 0" in reason for reason in r.failures.values())
    assert not any(math.isfinite(p) for p in r.table.p_a_first)  # nothing entered the data


def _wrapped(cause: BaseException) -> Exception:
    class APIConnectionError(Exception):
        pass

    try:
        try:
            raise cause
        except BaseException as inner:
            raise APIConnectionError("Connection error.") from inner
    except APIConnectionError as outer:
        return outer


@pytest.mark.parametrize(
    ("cause", "named"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connection refused"),
        (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), "connection reset"),
        (socket.gaierror(-2, "Name or service not known"), "DNS lookup failed"),
        (
            OSError("Cannot connect to host x:1 ssl:default [Connect call failed ('127.0.0.1', 1)]"),
            "connection refused",
        ),
    ],
)
def test_transport_failures_are_named(cause: BaseException, named: str) -> None:
    exc = _wrapped(cause)
    found = connection_failure(exc)
    assert found is not None and found[0] == named and found[1] is cause
    verdict = classify(exc)
    assert verdict.retry and verdict.reason.startswith(named)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connections_are_named_and_an_all_failed_run_exits_1(suite_file) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    res = CliRunner().invoke(
        app, ["run", "-m", "openai/m?retries=0", "-s", str(suite_file(2)), "--base-url", url, "--json"]
    )
    assert res.exit_code == 1, res.output
    assert "4 prompts failed" in res.stderr and "connection refused" in res.stderr
    assert "rerun the same command" in res.stderr and '"failed": 4' in res.stdout


def test_dropped_connections_are_not_called_timeouts(suite_file) -> None:
    server, _ = serve(Faults(rate_drop=1.0), max_seconds=60)
    try:
        r = valuelens.run("openai/fake?retries=0", str(suite_file(2)), base_url=server.url + "/v1")
    finally:
        server.stop()
    reasons = list(r.failures.values())
    assert len(reasons) == 4 and all("timed out" not in x.lower() for x in reasons), reasons
    assert all(x.startswith(("connection reset", "connection closed")) for x in reasons), reasons


def test_strict_makes_any_failure_exit_1(suite_file, tmp_path) -> None:
    server, _ = serve(Faults(rate_500=0.3, seed=3), max_seconds=60)
    args = ["run", "-m", "openai/fake?retries=0", "-s", str(suite_file(20)), "--base-url", server.url + "/v1"]
    try:
        lenient = CliRunner().invoke(app, [*args, "--store", str(tmp_path / "a.sqlite"), "--json"])
        strict = CliRunner().invoke(app, [*args, "--store", str(tmp_path / "b.sqlite"), "--json", "--strict"])
    finally:
        server.stop()
    assert lenient.exit_code == 0 and '"failed": 0' not in lenient.stdout  # some failed, not all: exit 0
    assert strict.exit_code == 1 and "prompts failed" in strict.stderr

"""--dry-run and --max-cost count free text: answers at their token limit, the judge at its own price,
both halves of `--answer both`; against the fake OpenAI servers, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.servers.freetext_fake import serve as serve_free_text
from tests.test_cli_scale import fake_server, priced  # noqa: F401  (priced: a fixture)
from typer.testing import CliRunner

from valuelens.cli import app
from valuelens.runner._generate import FREE_MAX_TOKENS, FREE_SAMPLES, JUDGE_MAX_TOKENS
from valuelens.store import Store


def _args(url: str, store: Path, prices: Path, *extra: str) -> list[str]:
    return [
        "run", "-m", "openai/gpt-4o-mini", "--base-url", url, "-n", "2", "--store", str(store),
        "--prices", str(prices), *extra,
    ]  # fmt: skip


def test_dry_run_of_both_answers_counts_the_generation_and_the_judge_at_its_price(
    tmp_path: Path,
    priced: Path,  # noqa: F811
) -> None:
    with fake_server() as (server, handler):
        args = _args(server.url + "/v1", tmp_path / "s.sqlite", priced, "--answer", "both")
        args += ["--judge", "openai/gpt-4o", "--dry-run"]
        got = CliRunner().invoke(app, [*args, "--json"])
        assert got.exit_code == 0, got.output
        text = CliRunner().invoke(app, args)
        assert text.exit_code == 0, text.output
        assert handler.requests == []  # no model call
    p = json.loads(got.stdout)
    assert p["kind"] == "plan" and p["study"] == "dilemmas"
    free, judge, logprobs = p["runs"]
    assert [r["part"] for r in p["runs"]] == ["free text", "judge", "log-probabilities"]
    assert (free["model"], judge["model"], logprobs["model"]) == ("openai/gpt-4o-mini", "openai/gpt-4o", free["model"])
    # free text: 4 prompts, K answers each at the token limit, priced at the model's price
    out = 4 * FREE_SAMPLES * FREE_MAX_TOKENS
    assert free["at_most"] and free["tokens_completion"] == free["tokens_completion_max"] == out
    assert free["cost_usd"] == pytest.approx((free["tokens_prompt"] * 1000.0 + out * 4000.0) / 1e6)
    # the judge: at most every answer, one request each, at the judge's (dearer) price
    answers = 4 * FREE_SAMPLES
    assert judge["to_ask"] == judge["requests"] == answers and judge["at_most"] and not judge["batch"]
    assert judge["tokens_completion"] == answers * JUDGE_MAX_TOKENS
    judge_tokens = judge["tokens_prompt"]
    assert judge_tokens > answers * 1000  # each judge prompt shows an answer at its longest (4,000 characters)
    assert judge["cost_usd"] == pytest.approx((judge_tokens * 2500.0 + answers * JUDGE_MAX_TOKENS * 10000.0) / 1e6)
    # log-probabilities: one token per prompt, as before
    assert not logprobs["at_most"] and logprobs["tokens_completion"] == 4 and logprobs["to_ask"] == 4
    assert p["models"]["openai/gpt-4o"]["cost_usd"] == pytest.approx(judge["cost_usd"])
    mine = p["models"]["openai/gpt-4o-mini"]
    assert mine["cost_usd"] == pytest.approx(free["cost_usd"] + logprobs["cost_usd"]) and mine["runs"] == 2
    total = p["total"]
    assert total["cost_usd"] == pytest.approx(free["cost_usd"] + judge["cost_usd"] + logprobs["cost_usd"])
    assert total["tokens_completion"] == out + answers * JUDGE_MAX_TOKENS + 4 and total["at_most"]
    assert (total["runs"], total["judged"], total["to_ask"]) == (2, 1, 4 + answers + 4)
    lines = text.stdout
    assert "Dry run of dilemmas: 2 runs in 3 parts, nothing asked." in lines
    assert "openai/gpt-4o-mini | free text: 4 prompts, 0 answered in the store, 4 to ask; 4 requests;" in lines
    assert f"at most {out:,} output tokens; cost at most ${free['cost_usd_max']:.4f}" in lines
    assert f"openai/gpt-4o | judge: {answers} prompts" in lines and "judge of 1 run" in lines
    assert "planned as if it read every answer" in lines and "(output counted at its limit)" in lines
    with Store(tmp_path / "s.sqlite") as st:
        assert st.list_runs() == []


def test_max_cost_counts_the_free_text_bill_and_refuses_before_asking_anything(
    tmp_path: Path,
    priced: Path,  # noqa: F811
) -> None:
    with fake_server() as (server, handler):
        store = tmp_path / "s.sqlite"
        plan = CliRunner().invoke(app, [*_args(server.url + "/v1", store, priced, "--dry-run", "--json")])
        logprobs_worst = json.loads(plan.stdout)["cost_usd_max"]  # what the limit counted before: every prompt
        free = CliRunner().invoke(
            app, _args(server.url + "/v1", store, priced, "--answer", "free", "--dry-run", "--json")
        )
        one_prompt = json.loads(free.stdout)["cost_usd_max"] / 4
        limit = 2 * logprobs_worst
        assert limit < one_prompt  # the log-probability count would have let every prompt through
        got = CliRunner().invoke(
            app, _args(server.url + "/v1", store, priced, "--answer", "free", "--max-cost", f"{limit:.4f}")
        )
        assert got.exit_code == 4, got.output
        [line] = got.stderr.strip().splitlines()
        assert line.startswith(f"stopped at --max-cost ${limit:.2f}: estimated spend $0.0000")
        assert "4 prompts not asked" in line
        assert handler.requests == []  # nothing asked
        with Store(store) as st:
            [rec] = st.list_runs()
            assert rec.status == "incomplete"


def test_max_cost_counts_the_judge_at_its_own_price(tmp_path: Path, priced: Path) -> None:  # noqa: F811
    """The answers are in the store; the judge's requests, at the judge's price, pass the limit (at the
    model's price all of them would fit): nothing is asked."""
    server, handler = serve_free_text(max_requests=5_000, max_seconds=120)
    try:
        url, store = server.url + "/v1", tmp_path / "s.sqlite"
        common = ["run", "-m", "openai/chatty", "--base-url", url, "-n", "4", "--store", str(store)]
        common += ["--prices", str(priced), "--answer", "free"]
        first = CliRunner().invoke(app, common)  # the answers, read by rule only
        assert first.exit_code == 0, first.output
        asked = len(handler.requests)
        judged = [*common, "--judge", "openai/judge"]
        plan = json.loads(CliRunner().invoke(app, [*judged, "--dry-run", "--json"]).stdout)
        free, judge = plan["runs"]
        assert free["to_ask"] == 0 and free["cost_usd"] == 0  # the answers are stored
        # exact: one judge prompt per unread answer and per check (20), the same prompt once (repeated answers)
        assert judge["cached"] == 0 and 0 < judge["to_ask"] <= 40
        per_request = judge["cost_usd_max"] / judge["to_ask"]
        at_model_price = judge["to_ask"] * (per_request * 10.0 / 5000.0)  # chatty's price is 1/500 of the judge's
        limit = per_request / 2
        assert at_model_price < limit
        got = CliRunner().invoke(app, [*judged, "--max-cost", f"{limit:.6f}"])
        assert got.exit_code == 4, got.output
        [line] = got.stderr.strip().splitlines()
        assert line.startswith(f"stopped at --max-cost ${limit:.2f}") and f"{judge['to_ask']} prompts not asked" in line
        assert len(handler.requests) == asked and handler.judged == 0  # nothing asked
    finally:
        server.stop()


def test_a_judge_without_a_price_cannot_take_a_limit(tmp_path: Path, priced: Path) -> None:  # noqa: F811
    with fake_server() as (server, handler):
        args = _args(server.url + "/v1", tmp_path / "s.sqlite", priced, "--answer", "free")
        got = CliRunner().invoke(app, [*args, "--judge", "openai/unpriced-judge", "--max-cost", "100"])
        assert got.exit_code == 2, got.output
        assert got.stderr.strip().startswith("--max-cost: no price for the judge openai/unpriced-judge")
        assert handler.requests == []

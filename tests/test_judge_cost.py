"""A free-text run read by a judge reports what it cost part by part: the model's tokens at the model's
price, the judge's at the judge's, the total their sum (terminal, --json, show, HTML); against the fake
free-text server, whose handler counts the tokens it reported per model."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tests.test_cli_scale import PRICES, priced  # noqa: F401  (priced: a fixture)
from tests.test_free_text_studies import _cli, fake  # noqa: F401  (fake: a fixture)

from valuelens.runner import PartCost, cost_fields, stored_cost_fields
from valuelens.store import Store

MODEL, JUDGE = "openai/chatty", "openai/judge"  # the judge is 500 times dearer than the model


def _run(url: str, store: Path, prices: Path, *extra: str) -> list[str]:
    return [
        "run", "-m", MODEL, "--base-url", url, "-n", "4", "--store", str(store), "--prices", str(prices),
        "--answer", "free", "--judge", JUDGE, *extra,
    ]  # fmt: skip


def _cost(name: str, prompt: int, completion: int) -> float:
    price = PRICES["providers"]["openai"][name]  # type: ignore[index]
    return (prompt * price["input"] + completion * price["output"]) / 1e6


def test_a_dearer_judge_is_priced_at_its_own_price_everywhere(fake, tmp_path: Path, priced: Path) -> None:  # noqa: F811
    url, handler = fake
    store = tmp_path / "s.sqlite"
    s = json.loads(_cli(*_run(url, store, priced, "--json")))
    (mp, mc), (jp, jc) = handler.tokens["chatty"], handler.tokens["judge"]
    assert jp > 0 and jc > 0  # the judge read some answers
    # the model's part: its own calls and tokens only, at its price
    assert (s["model_calls"], s["tokens_prompt"], s["tokens_completion"]) == (8, mp, mc)
    assert s["model_cost_usd"] == pytest.approx(_cost("chatty", mp, mc), abs=1e-6)
    # the judge's part: its calls and tokens, at the judge's price
    judge = s["judge"]
    asked = sum(1 for r in handler.requests if r["model"] == "judge")
    assert judge["model"] == JUDGE and judge["model_calls"] == asked
    assert (judge["tokens_prompt"], judge["tokens_completion"]) == (jp, jc)
    assert judge["cost_usd"] == pytest.approx(_cost("judge", jp, jc), abs=1e-6)
    # the total is the sum; all tokens at the model's price (the old report) is far below it
    assert s["cost_usd"] == pytest.approx(_cost("chatty", mp, mc) + _cost("judge", jp, jc), abs=1e-6)
    assert s["cost_usd"] > 100 * _cost("chatty", mp + jp, mc + jc)
    assert s["cost_unpriced"] == [] and s["prices_date"] == "2031-02"
    # show --json: the same parts, from the store
    shown = json.loads(_cli("show", s["run_id"], "--store", str(store), "--json"))
    for key in ("cost_usd", "model_cost_usd", "judge", "tokens_prompt", "tokens_completion", "prices_date"):
        assert shown[key] == s[key], key
    # the terminal and the HTML report show the split
    text = " ".join(_cli("show", s["run_id"], "--store", str(store)).split())
    want = f"Estimated cost ${s['cost_usd']:.4f} (prices of 2031-02): model {mp:,} prompt + {mc:,} output tokens"
    assert want in text and f"judge {JUDGE} ({asked} calls) {jp:,} prompt + {jc:,} output tokens" in text
    page = tmp_path / "run.html"
    _cli("report", s["run_id"], "--store", str(store), "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert "<dt>cost</dt>" in html and f"${judge['cost_usd']:.4f}" in html and f"${s['model_cost_usd']:.4f}" in html


def test_a_judge_without_a_price_says_so_and_the_total_counts_the_model(
    fake,  # noqa: F811
    tmp_path: Path,
    priced: Path,  # noqa: F811
) -> None:
    url, handler = fake
    table = json.loads(priced.read_text())
    del table["providers"]["openai"]["judge"]
    unpriced = tmp_path / "no-judge-price.json"
    unpriced.write_text(json.dumps(table))
    s = json.loads(_cli(*_run(url, tmp_path / "s.sqlite", unpriced, "--json")))
    mp, mc = handler.tokens["chatty"]
    assert s["judge"]["cost_usd"] is None and s["judge"]["tokens_prompt"] == handler.tokens["judge"][0]
    assert s["cost_usd"] == s["model_cost_usd"] == pytest.approx(_cost("chatty", mp, mc), abs=1e-6)
    assert s["cost_unpriced"] == [JUDGE]
    text = " ".join(_cli(*_run(url, tmp_path / "s.sqlite", unpriced)).split())
    assert f"(not counting {JUDGE}: no price)" in text and "output tokens, no price." in text


def test_a_run_without_a_judge_has_no_judge_part(fake, tmp_path: Path, priced: Path) -> None:  # noqa: F811
    url, handler = fake
    args = _run(url, tmp_path / "s.sqlite", priced, "--json")
    s = json.loads(_cli(*args[: args.index("--judge")], "--json"))
    mp, mc = handler.tokens["chatty"]
    assert "judge" not in s and "model_cost_usd" not in s and "judge" not in handler.tokens
    assert s["cost_usd"] == pytest.approx(_cost("chatty", mp, mc), abs=1e-6)


def test_a_run_stored_before_the_judge_was_counted_apart_reads_as_before(
    fake,  # noqa: F811
    tmp_path: Path,
    priced: Path,  # noqa: F811
) -> None:
    url, _ = fake
    store = tmp_path / "s.sqlite"
    s = json.loads(_cli(*_run(url, store, priced, "--json")))
    db = sqlite3.connect(store)
    [(raw,)] = db.execute("SELECT stats FROM runs WHERE run_id=?", (s["run_id"],)).fetchall()
    old = {k: v for k, v in json.loads(raw).items() if k not in ("judge", "model_cost_usd")}
    db.execute("UPDATE runs SET stats=? WHERE run_id=?", (json.dumps(old), s["run_id"]))
    db.commit()
    db.close()
    shown = json.loads(_cli("show", s["run_id"], "--store", str(store), "--json"))
    assert "judge" not in shown and "model_cost_usd" not in shown and shown["cost_usd"] == round(old["cost_usd"], 6)
    text = " ".join(_cli("show", s["run_id"], "--store", str(store)).split())
    assert f"Estimated cost ${old['cost_usd']:.4f} (prices of 2031-02)." in text


def _stats(model: int, judge: PartCost | None) -> dict[str, Any]:
    out: dict[str, Any] = {"model_calls": model, "cost_usd": 1.0 + ((judge.cost_usd or 0.0) if judge else 0.0)}
    out["model_cost_usd"] = 1.0
    return out | ({"judge": judge.to_dict()} if judge else {})


def test_the_judge_part_adds_up_over_the_invocations_of_a_run(tmp_path: Path) -> None:
    first = PartCost(JUDGE, model_calls=3, cached_calls=0, tokens_prompt=300, tokens_completion=3, cost_usd=2.0)
    second = PartCost(JUDGE, model_calls=2, cached_calls=3, tokens_prompt=200, tokens_completion=2, cost_usd=1.5)
    with Store(tmp_path / "s.sqlite") as st:
        st.begin_run("r1", "dilemmas", MODEL, "fp", "core", {}, [], {})
        st.finish_run("r1", "incomplete", _stats(4, first))
        st.finish_run("r1", "complete", _stats(1, second))
        st.finish_run("r1", "complete", _stats(0, None))  # a rerun that needed no judge keeps the part
        stats = st.get_run("r1").stats  # type: ignore[union-attr]
    assert (stats["model_calls"], stats["model_cost_usd"], stats["cost_usd"]) == (5, 3.0, 6.5)
    judge = PartCost.from_stats(stats["judge"])
    assert judge == PartCost(JUDGE, 5, 3, 500, 0, 5, 3.5)
    assert PartCost.from_stats(None) is None and PartCost.from_stats({"tokens_prompt": 1}) is None


def test_stored_costs_read_as_the_summary_rounds_them() -> None:
    # a run's cost is a sum of floats (its parts, its invocations); the store keeps the raw sum and
    # `show` must give the same 6-place figure the finished run printed, not the sum's last-bit noise
    judge = PartCost(JUDGE, model_calls=2, cost_usd=0.2)
    stats = {"model_calls": 1, "model_cost_usd": 0.1, "cost_usd": 0.1 + 0.2, "judge": judge.to_dict()}
    assert 0.1 + 0.2 != 0.3
    assert stored_cost_fields(MODEL, stats)["cost_usd"] == cost_fields(MODEL, 0.1, judge)["cost_usd"] == 0.3
    assert stored_cost_fields(MODEL, {"cost_usd": 0.1 + 0.2})["cost_usd"] == 0.3  # no judge part
    assert stored_cost_fields(MODEL, {"cost_usd": None, "judge": judge.to_dict()})["cost_usd"] is None


def test_a_survey_keeps_the_judge_part_apart_too(
    fake,  # noqa: F811
    tmp_path: Path,
    priced: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import valuelens
    import valuelens.backends._prices as prices
    from valuelens.suites import load_survey

    url, handler = fake
    monkeypatch.setattr(prices, "_active", prices.load_prices(priced))
    store = tmp_path / "s.sqlite"
    r = valuelens.survey(MODEL, items=load_survey()[:6], base_url=url, answer="free", judge=JUDGE, store=store)
    s = r.summary()
    (mp, mc), (jp, jc) = handler.tokens["chatty"], handler.tokens["judge"]
    assert (s["tokens_prompt"], s["tokens_completion"]) == (mp, mc) and jp > 0
    assert (s["judge"]["tokens_prompt"], s["judge"]["tokens_completion"]) == (jp, jc)
    assert s["cost_usd"] == pytest.approx(_cost("chatty", mp, mc) + _cost("judge", jp, jc), abs=1e-6)
    shown = json.loads(_cli("show", r.run_id, "--store", str(store), "--json"))
    assert shown["judge"] == s["judge"] and shown["cost_usd"] == s["cost_usd"]
    assert f"judge {JUDGE} (" in " ".join(_cli("show", r.run_id, "--store", str(store)).split())

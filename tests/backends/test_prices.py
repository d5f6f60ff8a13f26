"""The dated price table: bundled, overridable by file or environment, bad files named by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from valuelens.backends import _prices
from valuelens.backends._prices import BUNDLED, ENV, Price, current_prices, load_prices, price_of, use_prices
from valuelens.errors import InputError


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setattr(_prices, "_active", None)


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_bundled_table_is_dated_and_matches_the_longest_name() -> None:
    table = load_prices()
    assert table.source == BUNDLED and table.date[:4].isdigit() and table.batch_discount == 0.5
    mini = price_of("openai", "gpt-4o-mini-2024-07-18")
    assert mini is not None and (mini.input, mini.output) == (0.15, 0.60)  # not gpt-4o's 2.50
    assert mini.date == table.date
    assert price_of("openai", "gpt-4o-2024-08-06") == Price(2.50, 10.00, table.date)
    assert price_of("openai", "my-finetune") is None and price_of("vllm", "gpt-4o") is None


def test_cost_and_batch_discount() -> None:
    p = Price(2.0, 8.0, "2025-10")
    assert p.cost(1_000_000, 500_000) == pytest.approx(6.0)
    assert p.batched(0.5).cost(1_000_000, 500_000) == pytest.approx(3.0)
    assert p.batched(0.5).date == "2025-10"


def test_environment_and_explicit_file_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = {"date": "2030-01-02", "providers": {"openai": {"gpt-4o": {"input": 1, "output": 2}}}}
    path = _write(tmp_path / "p.json", mine)
    monkeypatch.setenv(ENV, str(path))
    assert current_prices().date == "2030-01-02"
    assert price_of("openai", "gpt-4o") == Price(1.0, 2.0, "2030-01-02")
    assert price_of("openai", "gpt-4.1") is None  # the file replaces the table, it does not patch it
    other = _write(tmp_path / "q.json", {**mine, "date": "2031-05", "batch_discount": 0.4})
    table = use_prices(other)  # --prices wins over the environment
    assert (table.date, table.batch_discount, table.source) == ("2031-05", 0.4, str(other))
    assert price_of("openai", "gpt-4o").date == "2031-05"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"providers": {"openai": {}}}, "date"),
        ({"date": "June 2025", "providers": {"openai": {}}}, "date"),
        ({"date": "2025-06"}, "providers"),
        ({"date": "2025-06", "providers": {"openai": {"gpt-x": {"input": 1}}}}, "providers.openai.gpt-x"),
        (
            {"date": "2025-06", "providers": {"openai": {"gpt-x": {"input": -1, "output": 1}}}},
            "providers.openai.gpt-x.input",
        ),
        (
            {"date": "2025-06", "providers": {"openai": {"gpt-x": {"input": "1", "output": 1}}}},
            "providers.openai.gpt-x.input",
        ),
    ],
)
def test_bad_file_is_one_line_naming_file_and_field(tmp_path: Path, data: object, where: str) -> None:
    path = _write(tmp_path / "bad.json", data)
    with pytest.raises(InputError) as err:
        load_prices(path)
    [line] = err.value.lines
    assert line.startswith(f"{path}: {where}")


def test_unreadable_and_invalid_json(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_prices(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"date": "2025-06",\n  oops}', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.json:2: not valid JSON"):
        load_prices(bad)

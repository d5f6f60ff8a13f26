"""Outcome files (Utility Engineering JSON, our JSONL), quantity series detection, and `valuelens suites`."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.suites import detect_series, list_suites, load_outcomes, load_outcomes_bundled

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "utility_engineering"

# Outcomes written for these tests in the Utility Engineering layout, one category nested.
TREE = {
    "Garden": [
        "A gardener plants 1 tree.",
        "A gardener plants 10 trees.",
        "A gardener plants 100 trees.",
        "The garden gate is repainted.",
    ],
    "Money": ["You are given $5.", "You are given $1,000.", "You are given $2 million"],
    "Animals": {"Farm": ["1 goat is rescued.", "20 goats are rescued."], "Wild": ["An owl nests in your roof."]},
}


def _json(path: Path, obj: object) -> Path:
    path.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")
    return path


def _problems(spec: Path | str) -> list[str]:
    with pytest.raises(InputError) as info:
        load_outcomes(str(spec))
    return info.value.lines


def test_category_tree_is_flattened_with_series(tmp_path: Path) -> None:
    outcomes = load_outcomes(str(_json(tmp_path / "ue.json", TREE)))
    assert len(outcomes) == 10 and len({o.id for o in outcomes}) == 10
    assert [o.category for o in outcomes][-3:] == ["Animals / Farm", "Animals / Farm", "Animals / Wild"]
    by_series: dict[str, list[float]] = defaultdict(list)
    for o in outcomes:
        if o.series:
            by_series[o.series].append(o.quantity)
    assert by_series == {
        "a_gardener_plants_n_tree": [1, 10, 100],
        "you_are_given_n": [5, 1000, 2e6],
        "n_goat_is_rescued": [1, 20],
    }
    gate = next(o for o in outcomes if "gate" in o.text)
    assert gate.series is None and gate.quantity is None


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Save 1 cat.", "Save 10 dogs."], [None, None]),  # different goods
        (["Buy 5 apples.", "Buy 5 apples!"], [None, None]),  # one quantity is no series
        (["Get 100 B200 chips.", "Get 1000 B200 chips."], [("get_n_b200_chips", 100), ("get_n_b200_chips", 1000)]),
        (["Finish 1st.", "Finish 10th."], [None, None]),  # ordinals are not quantities
        (["Grow 1.5 kg of rice.", "Grow 3 kg of rice."], [("grow_n_kg_of_rice", 1.5), ("grow_n_kg_of_rice", 3)]),
        (["Help 1 person", "Help 10 people."], [("help_n_person", 1), ("help_n_person", 10)]),
        (["Win $1 million.", "Win $3 billion."], [("win_n", 1e6), ("win_n", 3e9)]),
        (["Win 1 million.", "Win $3 million."], [None, None]),  # money and counts stay apart
    ],
)
def test_detect_series(texts: list[str], expected: list[tuple[str, float] | None]) -> None:
    assert detect_series(texts) == expected


def test_two_numbers_each_outcome_joins_one_series() -> None:
    texts = [f"{n} robots work for {h} hours." for n in (1, 2) for h in (1, 5, 9)]
    got = detect_series(texts)
    assert all(g is not None for g in got)
    assert len({g[0] for g in got if g}) == 2  # the hours vary within each robot count


def test_detection_reproduces_the_bundled_series() -> None:
    bundled = load_outcomes_bundled()
    detected = detect_series([o.text for o in bundled])
    groups_given: dict[str, set[str]] = defaultdict(set)
    groups_found: dict[str, set[str]] = defaultdict(set)
    for o, d in zip(bundled, detected, strict=True):
        if o.series:
            groups_given[o.series].add(o.id)
        if d:
            groups_found[d[0]].add(o.id)
            assert d[1] == o.quantity
    assert sorted(map(sorted, groups_given.values())) == sorted(map(sorted, groups_found.values()))


def test_jsonl_in_our_format(tmp_path: Path) -> None:
    assert load_outcomes() == load_outcomes_bundled()
    given = [
        {"id": "a", "text": "You read 1 book.", "series": "reading", "quantity": 1},
        {"id": "b", "text": "You read 3 books.", "series": "reading", "quantity": 3},
    ]
    p = tmp_path / "o.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in given) + "\n", encoding="utf-8")
    assert [o.series for o in load_outcomes(str(p))] == ["reading", "reading"]
    plain = [{"id": r["id"], "text": r["text"], "category": "books"} for r in given]
    p.write_text("\n".join(json.dumps(r) for r in plain) + "\n", encoding="utf-8")
    assert [(o.id, o.series, o.quantity) for o in load_outcomes(str(p))] == [
        ("a", "you_read_n_book", 1),
        ("b", "you_read_n_book", 3),
    ]


def test_bad_json_files_are_one_line_per_problem(tmp_path: Path) -> None:
    p = _json(tmp_path / "bad.json", {"Garden": ["A tree grows.", 42, " ", "A tree grows."], "Money": "lots"})
    assert _problems(p) == [
        f"{p}:4: Garden[1]: expected outcome text (a string), got int",
        f"{p}:5: Garden[2]: empty outcome text",
        f"{p}:6: Garden[3]: duplicate outcome (first on line 3)",
        f"{p}:8: Money: expected a list of outcomes or an object of categories",
    ]
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "Garden": ["A tree grows."\n}\n', encoding="utf-8")
    assert _problems(broken) == [f"{broken}:3: file: malformed JSON (Expecting ',' delimiter at column 1)"]
    assert _problems(_json(tmp_path / "n.json", 7)) == [
        f"{tmp_path / 'n.json'}:1: file: expected a JSON object {{category: [outcome, ...]}}"
    ]
    assert _problems(_json(tmp_path / "e.json", {})) == [f"{tmp_path / 'e.json'}:1: file: no outcomes"]
    assert _problems("nowhere.json") == ["nowhere.json: no such outcome file or bundled outcomes (bundled: core)"]


def test_bad_jsonl_records(tmp_path: Path) -> None:
    p = tmp_path / "o.jsonl"
    p.write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n{"id": "b"}\n{oops\n', encoding="utf-8")
    assert _problems(p) == [
        f"{p}:2: id: duplicate id 'a' (first on line 1)",
        f"{p}:3: text: missing field",
        f"{p}:4: record: malformed JSON (Expecting property name enclosed in double quotes at column 2)",
    ]


@pytest.mark.skipif(not SHARED.is_dir(), reason="third-party data not present beside the repository")
def test_utility_engineering_file_loads() -> None:
    outcomes = load_outcomes(str(SHARED / "options_hierarchical.json"))
    assert len(outcomes) == 510 and len({o.category for o in outcomes}) == 30
    series: dict[str, list[float]] = defaultdict(list)
    for o in outcomes:
        if o.series:
            series[o.series].append(o.quantity)
    assert len(series) >= 10
    assert max(len(q) for q in series.values()) >= 17  # a money series from 1 to 1e8
    assert any(min(q) == 1 and max(q) == 1e8 for q in series.values())


def test_suites_listing_and_command() -> None:
    rows = {r["name"]: r for r in list_suites()}
    assert rows["core"]["size"] == {"dilemmas": 360, "paraphrased": 60, "value pairs": 45, "domains": 14}
    assert rows["outcomes"]["size"]["series"] == 15
    assert {"survey", "principles", "personas", "dailydilemmas", "Utility Engineering outcomes"} <= set(rows)
    result = CliRunner().invoke(app, ["suites", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["suites"] == json.loads(json.dumps(list(rows.values())))
    table = CliRunner().invoke(app, ["suites"], env={"COLUMNS": "240"})
    assert table.exit_code == 0
    assert "360 dilemmas" in table.output and "hf:kellycyy/daily_dilemmas" in table.output

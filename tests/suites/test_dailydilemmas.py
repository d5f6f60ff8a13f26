"""DailyDilemmas loader: per-action rows -> dilemmas; free-text values kept and reported; clear errors."""

from __future__ import annotations

import ast
import csv
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.lexicon import load_lexicon
from valuelens.suites import (
    dilemmas_from_rows,
    load_dailydilemmas_csv,
    load_suite,
    map_value,
    parse_value_list,
    split_question,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "dailydilemmas"
COLUMNS = [
    "idx",
    "dilemma_idx",
    "basic_situation",
    "dilemma_situation",
    "action_type",
    "action",
    "negative_consequence",
    "values_aggregated",
    "topic",
    "topic_group",
]
GATE = (
    "Your neighbour's gate bangs in the wind every night and wakes your child. "
    "The neighbour works nights and may not know. Do you leave a note asking them to fix it?"
)
LAMP = "A friend lends you a lamp and it breaks in your care. They have not noticed. Should you tell them?"
# Rows written for these tests in the DailyDilemmas layout; dilemma 9 lists not_to_do first.
ROWS = [
    [0, 7, "a noisy gate", GATE, "to_do", "Leave a polite note.", "They may feel judged.",
     "['Honesty', 'family', 'self-care']", "neighbours", "community"],
    [1, 7, "a noisy gate", GATE, "not_to_do", "Say nothing and buy earplugs.", "Your child keeps waking.",
     "['harmony', 'patience', 'neighbourliness']", "neighbours", "community"],
    [2, 9, "a broken lamp", LAMP, "not_to_do", "Replace it quietly.", "They never learn what happened.",
     "['friendships', 'patience']", "friendship", ""],
    [3, 9, "a broken lamp", LAMP, "to_do", "Tell them and offer to pay.", "It costs you money.",
     "['Self Discipline', 'honesty', 'honesty']", "friendship", ""],
]  # fmt: skip


def _write(path: Path, rows: list[list[object]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def _problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(InputError) as info:
        load_dailydilemmas_csv(path, **kwargs)
    return info.value.lines


@pytest.fixture
def dd_csv(tmp_path: Path) -> Path:
    return _write(tmp_path / "dd.csv", ROWS)


def test_one_dilemma_per_index_with_to_do_as_action_a(dd_csv: Path) -> None:
    suite = load_suite(f"dailydilemmas:{dd_csv}")
    assert [d.id for d in suite.dilemmas] == ["dd-7", "dd-9"]
    gate, lamp = suite.dilemmas
    assert gate.action_a.text == "Leave a polite note." and gate.action_b.text == "Say nothing and buy earplugs."
    assert lamp.action_a.text == "Tell them and offer to pay." and lamp.action_b.text == "Replace it quietly."
    assert gate.domain == "community" and lamp.domain == "friendship"  # topic_group, else topic
    assert gate.action_a.parties == ()
    assert lamp.meta["negative_consequence_a"] == "It costs you money."


def test_final_question_is_split_from_the_situation(dd_csv: Path) -> None:
    gate = load_suite(f"dailydilemmas:{dd_csv}").dilemmas[0]
    assert gate.question == "Do you leave a note asking them to fix it?"
    assert gate.situation.endswith("may not know.") and "?" not in gate.situation


@pytest.mark.parametrize(
    ("text", "situation", "question"),
    [
        ("You see it. Do you act?", "You see it.", "Do you act?"),
        (
            "Dr. Ng asks you to stay. It pays $3.50 an hour. Should you?",
            "Dr. Ng asks you to stay. It pays $3.50 an hour.",
            "Should you?",
        ),
        ('You hesitate. "Should you go?"', "You hesitate.", '"Should you go?"'),
        ("Should you go?", "Should you go?", "Which action do you take?"),
        ("There is no question here.", "There is no question here.", "Which action do you take?"),
    ],
)
def test_split_question(text: str, situation: str, question: str) -> None:
    assert split_question(text) == (situation, question)


def test_values_map_by_name_synonym_and_plural(dd_csv: Path) -> None:
    gate, lamp = load_suite(f"dailydilemmas:{dd_csv}").dilemmas
    assert gate.action_a.values == ("honesty", "family bonds", "self-care")
    assert gate.action_b.values[0] == "social harmony"  # a synonym
    assert lamp.action_b.values[0] == "friendship"  # plural of a lexicon name
    assert lamp.action_a.values == ("self-discipline", "honesty")  # case, spaces; duplicates once
    lex = load_lexicon()
    assert map_value("class", lex) is None  # no singular taken from a word ending in -ss
    assert map_value("HONESTY", lex) == "honesty"


def test_unknown_values_are_kept_and_reported(dd_csv: Path) -> None:
    suite = load_suite(f"dailydilemmas:{dd_csv}")
    gate, lamp = suite.dilemmas
    assert gate.action_b.values == ("social harmony", "patience", "neighbourliness")
    assert gate.meta["free_values"] == "patience;neighbourliness"
    assert "free_values" in lamp.meta and lamp.meta["free_values"] == "patience"
    notes = " | ".join(suite.notes)
    assert "8 distinct names; 6 mapped to 6 lexicon values" in notes
    assert "2 kept as free-text values" in notes
    assert "'patience' (2), 'neighbourliness' (1)" in notes


def test_strict_mode_reports_each_unknown_value(dd_csv: Path) -> None:
    problems = _problems(dd_csv, free_values=False)
    assert [p.split(" (did you mean")[0] for p in problems] == [
        f"{dd_csv}:3: values_aggregated: unknown value 'patience'",
        f"{dd_csv}:3: values_aggregated: unknown value 'neighbourliness'",
        f"{dd_csv}:4: values_aggregated: unknown value 'patience'",
    ]


def test_bad_rows_are_one_line_each(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][4] = "maybe"
    rows[1][7] = "patience, honesty"
    rows[3][4] = "not_to_do"
    rows.append([4, 11, "x", "You wait. Do you go?", "to_do", "", "", "[]", "t", "g"])
    p = _write(tmp_path / "bad.csv", rows)
    assert _problems(p) == [
        f"{p}:2: action_type: expected 'to_do' or 'not_to_do', got 'maybe'",
        f"{p}:3: values_aggregated: not a Python-literal list of strings",
        f"{p}:5: action_type: second 'not_to_do' row for dilemma_idx 9 (first on line 4)",
        f"{p}:6: action: missing",
        f"{p}:6: values_aggregated: no values",
        f"{p}:4: action_type: dilemma_idx 9 has no 'to_do' row",
    ]


def test_parse_value_list() -> None:
    assert parse_value_list("['A b', ' c ', '']") == ["a b", "c"]
    assert parse_value_list(["x"]) == ["x"]
    with pytest.raises(ValueError, match="not a Python-literal list"):
        parse_value_list("[1, 2]")


def test_csv_with_dailydilemmas_columns_is_detected(dd_csv: Path) -> None:
    suite = load_suite(str(dd_csv))
    assert suite.name == "dailydilemmas" and len(suite) == 2


def test_other_tables_get_one_clear_line(tmp_path: Path) -> None:
    situations = _write(
        tmp_path / "s.csv", [[0, 1, "a gate", GATE]], ["", "idx", "basic_situation", "dilemma_situation"]
    )
    (line,) = _problems(situations)
    assert line.startswith(f"{situations}:1: file: DailyDilemmas situations-only table (no actions, no values)")
    other = _write(tmp_path / "o.csv", [[1, 2]], ["dilemma_idx", "action"])
    assert _problems(other) == [
        f"{other}:1: header: not a DailyDilemmas table (missing columns: action_type, dilemma_situation, values_aggregated)"
    ]
    assert _problems(tmp_path / "none.csv") == [f"{tmp_path / 'none.csv'}: file not found"]


def test_rows_from_any_source_need_no_datasets() -> None:
    rows = [(i + 1, dict(zip(COLUMNS, r, strict=True))) for i, r in enumerate(ROWS)]
    dilemmas, notes = dilemmas_from_rows(rows, "memory")
    assert len(dilemmas) == 2 and notes[0].startswith("values: 8 distinct names")


def test_hf_without_datasets_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` fail
    with pytest.raises(InputError) as info:
        load_suite("hf:kellycyy/daily_dilemmas")
    (line,) = info.value.lines
    assert "needs the 'datasets' package: pip install 'valuelens[hf-datasets]'" in line
    result = CliRunner().invoke(app, ["run", "--model", "synthetic/default", "--suite", "dailydilemmas"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [line]


def test_hf_offline_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Couldn't reach the Hub\nmore detail")

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=offline))
    with pytest.raises(InputError) as info:
        load_suite("dailydilemmas")
    (line,) = info.value.lines
    assert "(Couldn't reach the Hub); offline?" in line


def test_hf_rows_load_through_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[object, ...]] = []

    def load_dataset(*args: object, **kwargs: object) -> list[dict[str, object]]:
        asked.append((*args, kwargs["split"]))
        return [{**dict(zip(COLUMNS, r, strict=True)), "values_aggregated": ast.literal_eval(str(r[7]))} for r in ROWS]

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    suite = load_suite("hf:kellycyy/daily_dilemmas")
    assert asked == [("kellycyy/daily_dilemmas", "Dilemmas_with_values_aggregated", "test")]
    assert suite.source == "hf:kellycyy/daily_dilemmas" and len(suite) == 2
    with pytest.raises(InputError, match="unsupported Hugging Face suite"):
        load_suite("hf:someone/else")


@pytest.mark.skipif(not SHARED.is_dir(), reason="third-party data not present beside the repository")
def test_third_party_files() -> None:
    lex = load_lexicon()
    with (SHARED / "values.csv").open(encoding="utf-8", newline="") as fh:
        names = [row["value"] for row in csv.DictReader(fh)]
    resolved = [n for n in names if map_value(n, lex)]
    assert len(names) == 301
    assert len(resolved) >= 100  # 106 of 301 with the 96-value lexicon of valuelens 0.1.0
    with (SHARED / "dilemma.csv").open(encoding="utf-8", newline="") as fh:
        situations = [row["dilemma_situation"] for row in csv.DictReader(fh)]
    assert len(situations) == 1360
    assert all(split_question(s)[1].rstrip("\"'>").endswith("?") for s in situations)
    (line,) = _problems(SHARED / "dilemma.csv")
    assert "situations-only table" in line

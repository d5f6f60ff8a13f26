"""Bad suites fail before any model call: one `file:line: field: problem` line each, exit 2, no store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import make_dilemma
from typer.testing import CliRunner

from valuelens.cli import app
from valuelens.errors import InputError
from valuelens.suites import load_suite

runner = CliRunner()


def _lines(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_suite(str(path))
    return info.value.lines


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    p = _lines(tmp_path / "s.jsonl", [make_dilemma(1, ["honesty"], ["loyalty"]), '{"id": "x", oops}'])
    assert _problems(p) == [
        f"{p}:2: record: malformed JSON (Expecting property name enclosed in double quotes at column 13)"
    ]


def test_missing_and_unknown_fields(tmp_path: Path) -> None:
    d = make_dilemma(1, ["honesty"], ["loyalty"])
    del d["question"]
    d["colour"] = "blue"
    probs = _problems(_lines(tmp_path / "s.jsonl", [d]))
    assert f"{tmp_path / 's.jsonl'}:1: question: missing field" in probs
    assert f"{tmp_path / 's.jsonl'}:1: colour: unknown field" in probs


def test_unknown_value_suggests_the_closest_name(tmp_path: Path) -> None:
    p = _lines(
        tmp_path / "s.jsonl", [make_dilemma(1, ["honesty"], ["loyalty"]), make_dilemma(2, ["fairness"], ["honsty"])]
    )
    assert _problems(p) == [f"{p}:2: action_b.values[0]: unknown value 'honsty' (did you mean 'honesty'?)"]


def test_synonyms_resolve_to_lexicon_names(tmp_path: Path) -> None:
    from valuelens.lexicon import load_lexicon

    lex = load_lexicon()
    synonym = lex.values["honesty"].synonyms[0]
    p = _lines(tmp_path / "s.jsonl", [make_dilemma(1, [synonym.upper()], ["loyalty"])])
    assert load_suite(str(p)).dilemmas[0].action_a.values == ("honesty",)


def test_duplicate_id_points_at_the_first(tmp_path: Path) -> None:
    p = _lines(tmp_path / "s.jsonl", [make_dilemma(1, ["honesty"], ["loyalty"])] * 2)
    assert _problems(p) == [f"{p}:2: id: duplicate id 'gen-1' (first on line 1)"]


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.jsonl"
    p.write_text("\n\n", encoding="utf-8")
    assert _problems(p) == [f"{p}:1: file: empty suite, no dilemmas"]


def test_at_most_twenty_lines_are_shown(tmp_path: Path) -> None:
    p = _lines(tmp_path / "s.jsonl", ["{bad"] * 30)
    with pytest.raises(InputError) as info:
        load_suite(str(p))
    shown = info.value.render()
    assert len(info.value.lines) == 30
    assert len(shown) == 21 and shown[-1] == "... and 10 more problems"


def test_csv_suite_loads_and_reports_rows(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text(
        "id,domain,situation,question,action_a,action_a_values,action_a_parties,action_b,action_b_values,action_b_parties\n"
        'c1,work,"You see a mistake, and it matters.",Do you speak up or not?,Speak up.,honesty;courage-not,you,'
        "Stay quiet.,loyalty,you;your team\n"
        "c2,family,You are asked.,Do you go or stay?,Go.,adventure,you,Stay.,family bonds,you\n",
        encoding="utf-8",
    )
    (problem,) = _problems(p)
    assert problem.startswith(f"{p}:2: action_a.values[1]: unknown value 'courage-not'")
    p.write_text(p.read_text(encoding="utf-8").replace(";courage-not", ""), encoding="utf-8")
    suite = load_suite(str(p))
    assert [d.id for d in suite.dilemmas] == ["c1", "c2"]
    assert suite.dilemmas[0].action_b.parties == ("you", "your team")


def test_cli_exits_2_and_writes_nothing(tmp_path: Path, isolated_store: Path) -> None:
    p = _lines(tmp_path / "s.jsonl", [make_dilemma(1, ["honesty"], ["honsty"])])
    result = runner.invoke(app, ["run", "--model", "synthetic/default", "--suite", str(p)])
    assert result.exit_code == 2
    assert "s.jsonl:1: action_b.values[0]: unknown value 'honsty'" in result.output
    assert "Traceback" not in result.output
    assert not isolated_store.exists()


def test_unknown_model_is_one_line_not_a_traceback(suite_file) -> None:
    result = runner.invoke(app, ["run", "--model", "nosuch/model", "--suite", str(suite_file(3))])
    assert result.exit_code == 3
    assert "unknown provider 'nosuch'" in result.output

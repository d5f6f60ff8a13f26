"""Input cases from issue 17: true line numbers, BOM, one field-size rule, finite numbers, depth, paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.conftest import make_dilemma
from tests.reliability.cli import one_line_error
from tests.reliability.cli import valuelens as cli

from valuelens.annotate import load_scenarios
from valuelens.errors import InputError
from valuelens.suites import load_outcomes, load_suite
from valuelens.suites._records import MAX_FIELD_CHARS

HEADER = "id,domain,situation,question,action_a,action_a_values,action_b,action_b_values\n"


def _row(i: int, situation: str = "A colleague asks for help.") -> str:
    return f'd{i},work,"{situation}",What now?,Help.,helpfulness,Wait.,privacy\n'


def _problems(spec: str | Path, loader=load_suite) -> list[str]:
    with pytest.raises(InputError) as caught:
        loader(str(spec))
    return caught.value.lines


def test_non_utf8_bytes_are_reported_on_their_line(tmp_path: Path) -> None:
    jsonl = tmp_path / "s.jsonl"
    lines = [json.dumps(make_dilemma(i, ["honesty"], ["loyalty"])).encode() for i in range(6)]
    lines[4] = lines[4].replace(b"situation number", b"situation \xff number")
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    column = lines[4].index(b"\xff") + 1
    assert _problems(jsonl) == [f"{jsonl}:5: file: not UTF-8 text (invalid start byte at column {column})"]
    csv_file = tmp_path / "s.csv"
    csv_file.write_bytes((HEADER + _row(1) + _row(2)).encode() + _row(3).encode().replace(b"colleague", b"coll\xe9gue"))
    assert _problems(csv_file)[0].startswith(f"{csv_file}:4: file: not UTF-8 text")


def test_csv_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + _row(1) + _row(2)).encode())
    suite = load_suite(str(path))
    assert [d.id for d in suite.dilemmas] == ["d1", "d2"]
    scen = tmp_path / "scen.csv"
    scen.write_bytes(b"\xef\xbb\xbfid,situation,action_a,action_b\ns1,Late again.,Say so.,Wait.\n")
    assert [s.id for s in load_scenarios(scen)] == ["s1"]


def test_csv_line_numbers_count_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text(
        HEADER + _row(1, "Line one.\nLine two.") + _row(2) + "d3,work,,What now?,Help.,helpfulness,Wait.,privacy\n"
    )
    assert _problems(path) == [f"{path}:5: situation: missing field"]


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_one_field_size_rule_for_csv_and_jsonl(tmp_path: Path, suffix: str) -> None:
    long_ok, too_long = "a" * 200_000, "a" * (MAX_FIELD_CHARS + 1)  # 200,000 > the csv module's 131,072
    for text, ok in ((long_ok, True), (too_long, False)):
        path = tmp_path / f"big.{suffix}"
        if suffix == "csv":
            path.write_text(HEADER + _row(1) + _row(2, text), encoding="utf-8")
        else:
            recs = [
                make_dilemma(1, ["honesty"], ["loyalty"]),
                {**make_dilemma(2, ["honesty"], ["loyalty"]), "situation": text},
            ]
            path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
        if ok:
            assert len(load_suite(str(path)).dilemmas[1].situation) == 200_000
        else:
            assert _problems(path) == [
                f"{path}:{3 if suffix == 'csv' else 2}: situation: text longer than 1,000,000 characters"
            ]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_quantities_are_refused(tmp_path: Path, token: str) -> None:
    path = tmp_path / "out.jsonl"
    good = {"id": "o1", "text": "You get 1 apple.", "category": "food", "series": "apples", "quantity": 1}
    bad = json.dumps({**good, "id": "o2", "text": "You get 2 apples.", "quantity": "@"}).replace('"@"', token)
    path.write_text(json.dumps(good) + "\n" + bad + "\n", encoding="utf-8")
    assert _problems(path, load_outcomes) == [f"{path}:2: quantity: not a finite number ({token})"]


def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "tree.json"
    depth = 990
    path.write_text('{"c": ' * depth + '["You get 1 apple.", "You get 2 apples."]' + "}" * depth, encoding="utf-8")
    assert _problems(path, load_outcomes) == [f"{path}:1: file: nested deeper than 32 levels"]
    ok = tmp_path / "ok.json"
    ok.write_text('{"c": ' * 20 + '["You get 1 apple.", "You get 2 apples."]' + "}" * 20, encoding="utf-8")
    assert len(load_outcomes(str(ok))) == 2
    dd = tmp_path / "dd.csv"
    dd.write_text(
        "dilemma_idx,dilemma_situation,action_type,action,values_aggregated\n"
        f'1,Sit.,to_do,Do it.,"{"[" * 500}"\n1,Sit.,not_to_do,Do not.,"[\'honesty\']"\n',
        encoding="utf-8",
    )
    assert _problems(dd)[0].startswith(f"{dd}:2: values_aggregated: not a Python-literal list")


def test_a_folder_or_unreadable_file_as_suite(tmp_path: Path) -> None:
    folder = tmp_path / "suite.jsonl"
    folder.mkdir()
    assert _problems(folder) == [f"{folder}: cannot read file (is a directory)"]
    assert _problems(folder, load_outcomes)[0].startswith(str(folder))
    one_line_error(cli("run", "-m", "synthetic/default", "--suite", str(folder)), 2, "is a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads through file permissions")
def test_unreadable_suite(tmp_path: Path) -> None:
    path = tmp_path / "secret.jsonl"
    path.write_text(json.dumps(make_dilemma(1, ["honesty"], ["loyalty"])) + "\n", encoding="utf-8")
    path.chmod(0)
    assert _problems(path) == [f"{path}: cannot read file (permission denied)"]

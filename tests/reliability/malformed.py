"""Seeded generators of malformed suite, outcome and scenario files, each with the line it breaks.

A case is (file name, bytes, expected line or None); None where the format decides the line (an
unclosed CSV quote runs to the end of the file). Every case is wrong in exactly one place.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass

from valuelens.suites._records import MAX_DEPTH, MAX_FIELD_CHARS


@dataclass(frozen=True)
class Case:
    kind: str  # suite | outcomes | scenarios
    name: str
    data: bytes
    line: int | None
    how: str


def _dilemma(i: int) -> dict:
    return {
        "id": f"d{i}",
        "domain": "work",
        "situation": f"Situation {i}: a colleague asks for help on a deadline.",
        "question": "What do you do?",
        "action_a": {"text": "Help them.", "values": ["helpfulness"], "parties": ["colleague"]},
        "action_b": {"text": "Finish your own work.", "values": ["responsibility"], "parties": ["you"]},
    }


def _outcome(i: int) -> dict:
    return {"id": f"o{i}", "text": f"You receive {i + 1} new books.", "category": "goods", "quantity": i + 1}


def _scenario(i: int) -> dict:
    return {
        "id": f"s{i}",
        "situation": f"Scene {i}: a friend is late again.",
        "action_a": "Say so.",
        "action_b": "Let it go.",
    }


BASES: dict[str, Callable[[int], dict]] = {"suite": _dilemma, "outcomes": _outcome, "scenarios": _scenario}
TEXT_FIELD = {"suite": "situation", "outcomes": "text", "scenarios": "situation"}
REQUIRED = {"suite": "question", "outcomes": "text", "scenarios": "situation"}


def _jsonl_case(rng: random.Random, kind: str) -> Case:
    n = rng.randint(1, 8)
    records = [BASES[kind](i) for i in range(n)]
    lines = [json.dumps(r) for r in records]
    at = rng.randrange(n)
    rec = dict(records[at])
    how = rng.choice(
        ["bad_utf8", "truncated", "deep", "nonfinite", "wrong_type", "missing", "unknown", "huge", "bigint",
         "not_object", "garbage", "duplicate", "empty_text"]
    )  # fmt: skip
    text_field = TEXT_FIELD[kind]
    raw: bytes | None = None
    if how == "bad_utf8":
        raw = lines[at].encode()[:10] + bytes([rng.choice([0x80, 0xC3, 0xFF, 0xFE])]) + lines[at].encode()[10:]
    elif how == "truncated":
        lines[at] = lines[at][: rng.randint(1, len(lines[at]) - 2)]
    elif how == "deep":
        depth = rng.randint(MAX_DEPTH + 1, 3000)
        nested = "[" * depth + '"x"' + "]" * depth
        lines[at] = json.dumps({**rec, text_field: "@@"}).replace('"@@"', nested)
        if rng.random() < 0.3:
            lines[at] = "[" * rng.randint(MAX_DEPTH + 1, 5000)
    elif how == "nonfinite":
        token = rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
        field = "quantity" if kind == "outcomes" else text_field
        lines[at] = json.dumps({**rec, field: "@@"}).replace('"@@"', token)
    elif how == "wrong_type":
        rec[text_field] = rng.choice([12, None, ["a"], {"b": 1}, True])
        lines[at] = json.dumps(rec)
    elif how == "missing":
        rec.pop(REQUIRED[kind])
        lines[at] = json.dumps(rec)
    elif how == "unknown":
        rec["colour" + "\ufeff" * rng.randint(0, 1)] = "blue"
        lines[at] = json.dumps(rec)
    elif how == "huge":
        rec[text_field] = "a" * (MAX_FIELD_CHARS + 1)
        lines[at] = json.dumps(rec)
    elif how == "bigint":
        lines[at] = json.dumps({**rec, "id": "@@"}).replace('"@@"', "9" * rng.randint(4400, 6000))
    elif how == "not_object":
        lines[at] = rng.choice(["[1, 2]", "42", '"text"', "null", "true"])
    elif how == "garbage":
        lines[at] = "".join(rng.choice("{}[]:,\"'\\ax1") for _ in range(rng.randint(1, 40))).strip() or "{"
    elif how == "duplicate":
        if n == 1:
            lines.append(lines[0])
        else:
            lines[1] = json.dumps({**records[1], "id": records[0]["id"]})
        at = 1
    elif how == "empty_text":
        rec[text_field] = ""
        lines[at] = json.dumps(rec)
    blanks = rng.randint(0, 2)  # blank lines before the records shift every line number
    data = b"\n" * blanks + (b"\n".join(x.encode() if i != at or raw is None else raw for i, x in enumerate(lines)))
    if rng.random() < 0.3:
        data = b"\xef\xbb\xbf" + data if blanks == 0 else data
    return Case(kind, f"{kind}.jsonl", data + b"\n", blanks + at + 1, how)


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _csv_case(rng: random.Random, kind: str) -> Case:
    if kind == "suite":
        header = ["id", "domain", "situation", "question", "action_a", "action_a_values", "action_b", "action_b_values"]
        row = lambda i: [f"d{i}", "work", f"Situation {i}.", "What now?", "Help.", "helpfulness", "Wait.", "privacy"]  # noqa: E731
    else:
        header = ["id", "situation", "action_a", "action_b"]
        row = lambda i: [f"s{i}", f"Scene {i}.", "Say so.", "Let it go."]  # noqa: E731
    n = rng.randint(1, 8)
    rows = [row(i) for i in range(n)]
    at = rng.randrange(n)
    how = rng.choice(["bad_utf8", "extra_cells", "unclosed_quote", "huge", "missing", "bad_value", "bom_bad"])
    line: int | None = at + 2
    if how == "extra_cells":
        rows[at] = [*rows[at], "surplus"]
    elif how == "huge":
        rows[at][2] = "b" * (MAX_FIELD_CHARS + 1)
    elif how == "missing":
        rows[at][2] = ""
    elif how == "bad_value" or how == "bom_bad":
        rows[at][0 if kind == "suite" else 1] = ""  # a scenario without an id gets one; without a situation, not
    text = _csv_text([header, *rows])
    lines = text.split("\n")
    if how == "unclosed_quote":
        lines[at + 1] = lines[at + 1].replace("Say so.", '"Say so.').replace("Help.", '"Help.')
        line = None
    data = "\n".join(lines).encode()
    if how == "bad_utf8":
        parts = data.split(b"\n")
        parts[at + 1] = parts[at + 1][:3] + b"\xff\xfe" + parts[at + 1][3:]
        data = b"\n".join(parts)
    if how == "bom_bad" or rng.random() < 0.3:
        data = b"\xef\xbb\xbf" + data
    return Case(kind, f"{kind}.csv", data, line, f"csv_{how}")


def _tree_case(rng: random.Random) -> Case:
    n = rng.randint(1, 6)
    items = [f"You receive {i + 1} apples." for i in range(n)]
    lines = ["{", '  "fruit": ['] + [f"    {json.dumps(t)}," for t in items]
    lines[-1] = lines[-1].rstrip(",")
    lines += ["  ]", "}"]
    at = rng.randrange(n)
    where = 3 + at  # 1-based line of item `at`
    how = rng.choice(["nonfinite", "wrong_type", "empty", "duplicate", "deep", "malformed", "bad_utf8", "huge"])
    comma = "," if at < n - 1 else ""
    if how == "nonfinite":
        lines[where - 1] = f"    {rng.choice(['NaN', 'Infinity', '-Infinity'])}{comma}"
    elif how == "wrong_type":
        lines[where - 1] = f"    {rng.choice(['12', 'null', 'true', '{}'])}{comma}"
        if lines[where - 1].strip().startswith("{}"):
            how = "wrong_type_object"
    elif how == "empty":
        lines[where - 1] = f'    "  "{comma}'
    elif how == "duplicate":
        if n == 1:
            lines.insert(2, f"    {json.dumps(items[0])},")
            where = 4
        else:
            lines[where - 1] = f"    {json.dumps(items[0 if at else 1])}{comma}"
            where = max(where, 4)
    elif how == "deep":
        depth = rng.randint(MAX_DEPTH + 1, 1200)
        lines[where - 1] = "    " + '{"c": ' * depth + "[]" + "}" * depth + comma
    elif how == "malformed":
        lines[where - 1] = lines[where - 1].rstrip(",") + ("" if comma else ",")
        where = where if comma else where + 1
    elif how == "huge":
        lines[where - 1] = f'    "{"c" * (MAX_FIELD_CHARS + 1)}"{comma}'
    data = "\n".join(lines).encode() + b"\n"
    if how == "bad_utf8":
        parts = data.split(b"\n")
        parts[where - 1] = parts[where - 1][:6] + b"\xc3\x28" + parts[where - 1][6:]
        data = b"\n".join(parts)
    exact = how not in ("wrong_type_object", "malformed")
    return Case("outcomes", "outcomes.json", data, where if exact else None, f"tree_{how}")


def cases(seed: int, count: int) -> list[Case]:
    """`count` malformed files over the three kinds and their formats, deterministic in `seed`."""
    rng = random.Random(seed)
    makers = [
        lambda: _jsonl_case(rng, "suite"),
        lambda: _jsonl_case(rng, "outcomes"),
        lambda: _jsonl_case(rng, "scenarios"),
        lambda: _csv_case(rng, "suite"),
        lambda: _csv_case(rng, "scenarios"),
        lambda: _tree_case(rng),
    ]
    return [makers[i % len(makers)]() for i in range(count)]

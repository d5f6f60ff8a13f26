"""Parsing sampled answers: the label in its many shapes, refusals told apart from unparseable text."""

from __future__ import annotations

import pytest

from valuelens.backends import Refusal
from valuelens.runner import answer_kinds, is_refusal, parse_choice

LABELS = ("A", "B")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("A", "A"),
        (" B.", "B"),
        ("(B)", "B"),
        ("**A**", "A"),
        ("Option B", "B"),
        ("Answer: A", "A"),
        ("I choose B", "B"),
        ("I would pick option A", "A"),
        ("I'd choose B", "B"),
        ("My answer is A", "A"),
        ("B) Take path", "B"),
        ("Between A and B", None),
        ("a", None),
        ("", None),
        ("Neither", None),
        ("I can't choose", None),
    ],
)
def test_parse_choice(text: str, label: str | None) -> None:
    assert parse_choice(text, LABELS) == label


@pytest.mark.parametrize(
    "text",
    [
        "I can't choose between these.",
        "I cannot answer that",
        "I'm sorry, but",
        "As an AI, I",
        "I won't pick",
        "I must decline",
        "Sorry, I",
        "I'm not comfortable",
    ],
)
def test_refusals_are_recognised(text: str) -> None:
    assert is_refusal(text) and parse_choice(text, LABELS) is None


def test_flagged_refusals_and_ordinary_text() -> None:
    assert is_refusal(Refusal("")) and is_refusal(Refusal("A"))
    assert not is_refusal("Between the two, path one") and not is_refusal("A")


def test_answer_kinds_counts_each_kind() -> None:
    answers = {
        "k1": {"logprobs": {"A": -1.0, "B": -3.0}, "bounded": ["B"]},
        "k2": {"logprobs": {"A": -1.0, "B": -3.0}},
        "k3": {"samples": ["", ""], "counts": {"A": 0, "B": 0}, "unparsed": 0, "refused": 2},
        "k4": {"samples": ["A", "x", ""], "counts": {"A": 1, "B": 0}, "unparsed": 1, "refused": 1},
    }
    assert answer_kinds(answers) == {"bounded": 1, "refused": 1, "refused_samples": 3, "unparsed_samples": 1}

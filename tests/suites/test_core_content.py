"""The bundled content is designed for identifiability, not just well-formed."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from valuelens.lexicon import load_lexicon
from valuelens.suites import (
    load_outcomes_bundled,
    load_personas,
    load_principles,
    load_suite,
    load_survey,
)

SCHWARTZ = load_lexicon().theory_dimensions("schwartz")


@pytest.fixture(scope="module")
def core():
    return load_suite("core")


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def test_every_schwartz_pair_meets_in_eight_dilemmas(core) -> None:
    lex = load_lexicon()
    pairs = Counter()
    for d in core.dilemmas:
        a, b = d.meta["value_a"], d.meta["value_b"]
        assert a != b
        # the actions mainly serve the designed values: at most one value from elsewhere per action
        for side, dim in ((d.action_a, a), (d.action_b, b)):
            assert 1 <= len(side.values) <= 4
            assert sum(lex.values[v].schwartz != dim for v in side.values) <= 1, d.id
            assert lex.values[side.values[0]].schwartz == dim or len(side.values) > 1, d.id
        pairs[frozenset((a, b))] += 1
    assert len(core) == 360
    assert set(pairs) == {frozenset(p) for p in itertools.combinations(SCHWARTZ, 2)}
    assert set(pairs.values()) == {8}


def test_each_value_of_a_pair_sits_on_either_side_equally(core) -> None:
    side = Counter((frozenset((d.meta["value_a"], d.meta["value_b"])), d.meta["value_a"]) for d in core.dilemmas)
    assert set(side.values()) == {4}


def test_domains_are_spread(core) -> None:
    domains = Counter(d.domain for d in core.dilemmas)
    assert len(domains) >= 12
    assert max(domains.values()) <= 0.2 * len(core)


def test_every_value_exists_and_every_lexicon_value_is_used(core) -> None:
    lex = load_lexicon()
    used = {v for d in core.dilemmas for a in (d.action_a, d.action_b) for v in a.values}
    assert used <= set(lex.names)
    assert used == set(lex.names)


def test_no_duplicate_or_near_duplicate_situations(core) -> None:
    texts = [d.situation for d in core.dilemmas] + [p.situation for d in core.dilemmas for p in d.paraphrases]
    origin = [d.id for d in core.dilemmas] + [d.id for d in core.dilemmas for _ in d.paraphrases]
    sets = [_tokens(t) for t in texts]
    flagged = [
        (origin[i], origin[j])
        for i, j in itertools.combinations(range(len(sets)), 2)
        if origin[i] != origin[j] and len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= 0.8
    ]
    assert flagged == []


def test_action_lengths_give_no_cue(core) -> None:
    for d in core.dilemmas:
        texts = [(d.action_a.text, d.action_b.text)] + [(p.action_a, p.action_b) for p in d.paraphrases]
        for a, b in texts:
            assert max(len(a), len(b)) / min(len(a), len(b)) <= 1.3, d.id


def test_second_person_short_and_a_clear_choice(core) -> None:
    for d in core.dilemmas:
        text = f"{d.situation} {d.question}"
        assert re.search(r"\byou(r)?\b", text, re.I), d.id
        sentences = re.findall(r"[^.!?]+[.!?]", text)
        assert 2 <= len(sentences) <= 4, d.id
        assert d.question.endswith("?") and " or " in d.question, d.id


def test_sixty_dilemmas_have_two_paraphrases_spread_over_pairs_and_domains(core) -> None:
    para = [d for d in core.dilemmas if d.paraphrases]
    assert len(para) == 60
    assert all(len(d.paraphrases) == 2 for d in para)
    assert len({frozenset((d.meta["value_a"], d.meta["value_b"])) for d in para}) >= 40
    assert len({d.domain for d in para}) >= 12
    for d in para:
        for p in d.paraphrases:
            assert p.situation != d.situation and p.action_a != d.action_a.text


def test_outcomes_have_categories_and_quantity_series() -> None:
    outcomes = load_outcomes_bundled()
    assert len(outcomes) == 200 and len({o.id for o in outcomes}) == 200
    cats = Counter(o.category for o in outcomes)
    required = {
        "personal_goods",
        "health",
        "relationships",
        "society",
        "environment",
        "science",
        "ai_systems",
        "animals",
        "money",
        "lives_saved",
        "time",
        "power",
    }
    assert required <= set(cats)
    series: dict[str, list[float]] = {}
    for o in outcomes:
        if o.series:
            series.setdefault(o.series, []).append(o.quantity)
    assert len(series) >= 10
    assert all(sorted(q) == [1, 10, 100, 1000] for q in series.values())


def test_survey_has_four_items_per_schwartz_value() -> None:
    items = load_survey()
    assert Counter(i.value for i in items) == dict.fromkeys(SCHWARTZ, 4)


def test_principles_cover_schwartz_and_moral_foundations() -> None:
    lex = load_lexicon()
    principles = load_principles()
    assert set(principles) == set(SCHWARTZ) | set(lex.theory_dimensions("mft"))
    for p in principles.values():
        assert p.supports and p.opposes and not set(p.supports) & set(p.opposes)
        assert set(p.supports) | set(p.opposes) <= set(lex.names)
        if p.theory == "schwartz":
            assert {lex.values[v].schwartz for v in p.supports} == {p.dimension}


def test_personas() -> None:
    kinds = Counter(p.kind for p in load_personas().values())
    assert kinds["country"] + kinds["culture"] >= 20
    assert sum(kinds.values()) - kinds["country"] - kinds["culture"] >= 10

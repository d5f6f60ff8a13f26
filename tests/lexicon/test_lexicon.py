"""The lexicon places every value in every theory, and the theories are data."""

from __future__ import annotations

from valuelens.lexicon import THEORY_FIELDS, load_lexicon


def test_size_and_complete_mapping() -> None:
    lex = load_lexicon()
    assert 80 <= len(lex) <= 120
    for v in lex.values.values():
        assert v.definition.endswith(".") and len(v.synonyms) >= 1
        for theory, field in THEORY_FIELDS.items():
            dim = getattr(v, field)
            if dim is not None:
                assert dim in lex.theories[theory].dimension_ids, (v.name, theory, dim)
        assert v.schwartz and v.schwartz_refined and v.maslow
        refined = {d.id: d for d in lex.theories["schwartz_refined"].dimensions}
        assert refined[v.schwartz_refined].basic == v.schwartz  # type: ignore[attr-defined]


def test_every_dimension_of_every_theory_is_used() -> None:
    lex = load_lexicon()
    for theory in THEORY_FIELDS:
        used = {d for dims in lex.membership(theory).values() for d in dims}
        assert used == set(lex.theories[theory].dimension_ids), theory


def test_schwartz_circle_and_higher_order_groups() -> None:
    lex = load_lexicon()
    circle = lex.theory_dimensions("schwartz")
    assert len(circle) == 10 and circle[0] == "self_direction" and circle[-1] == "universalism"
    groups = lex.theories["schwartz"].higher_order
    assert sorted(m for g in groups.values() for m in g["members"]) == sorted(circle)
    higher = lex.membership("schwartz_higher")
    assert higher["tradition"] == ["conservation"] and higher["compassion"] == ["self_transcendence"]


def test_names_resolve_by_synonym_and_suggest_for_typos() -> None:
    lex = load_lexicon()
    assert lex.resolve("Family_Bonds") == "family bonds"
    assert lex.resolve(lex.values["privacy"].synonyms[0]) == "privacy"
    assert lex.resolve("no such value at all") is None
    assert lex.suggest("compasion") == "compassion"

"""Which lexicon values each action serves, from the answers to the relevance and valence questions.

The rule (documented in docs/integrations.md):
- a value supports action x when it is relevant to x (P(relevant) >= threshold) and x supports it
  (P(supports) >= 0.5); its evidence is P(relevant) * P(supports);
- a value that action y opposes (relevant to y, P(supports) < 0.5) counts for the other action x,
  with evidence P(relevant to y) * (1 - P(supports y)), unless x opposes it too: in a dilemma the
  value one action goes against is usually the one the other action serves;
- a value with evidence for both actions goes to the one with more evidence (ties: action A);
- values the user named for an action stay on it, first; the rest fill up to `cap`, most evidence first;
- an action left with no value gets the one value with the most evidence for it, even below the
  threshold (a suite needs at least one value per action), and is flagged as a fallback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

Scores = Mapping[str, Mapping[str, float]]
"""action ("a" or "b") -> lexicon value -> probability (missing or NaN: not asked or no answer)."""
OTHER = {"a": "b", "b": "a"}


def _get(scores: Scores, x: str, v: str) -> float:
    return scores.get(x, {}).get(v, math.nan)


def evidence(relevance: Scores, support: Scores, threshold: float) -> dict[str, dict[str, float]]:
    """action -> value -> evidence that the action serves the value (0: none)."""
    values = sorted({v for x in ("a", "b") for v in relevance.get(x, {})})

    def supports(x: str, v: str) -> float:
        r, s = _get(relevance, x, v), _get(support, x, v)
        return r * s if r >= threshold and s >= 0.5 else 0.0

    def opposes(x: str, v: str) -> float:
        r, s = _get(relevance, x, v), _get(support, x, v)
        return r * (1.0 - s) if r >= threshold and s < 0.5 else 0.0

    out: dict[str, dict[str, float]] = {"a": {}, "b": {}}
    for x in ("a", "b"):
        for v in values:
            out[x][v] = 0.0 if opposes(x, v) > 0 else max(supports(x, v), opposes(OTHER[x], v))
    return out


def select_values(
    relevance: Scores,
    support: Scores,
    threshold: float = 0.5,
    cap: int = 4,
    given: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[dict[str, tuple[str, ...]], dict[str, bool]]:
    """The values of each action by the rule above.

    Args:
        relevance, support: P(relevant) and P(supports) per action and value.
        threshold: least P(relevant) for a value to count.
        cap: most values per action (values the user gave count, and are never dropped).
        given: values the user named per action (lexicon names), kept first.

    Returns:
        (action -> values, action -> True when the fallback rule chose its only value).
    """
    given = given or {}
    ev = evidence(relevance, support, threshold)
    chosen: dict[str, list[str]] = {"a": [], "b": []}
    for x in ("a", "b"):
        y = OTHER[x]
        for v, e in ev[x].items():
            if e > 0 and (ev[y].get(v, 0.0) < e or (ev[y].get(v, 0.0) == e and x == "a")):
                chosen[x].append(v)
    out: dict[str, tuple[str, ...]] = {}
    fallback = {"a": False, "b": False}
    for x in ("a", "b"):
        mine, theirs = list(given.get(x, ())), set(given.get(OTHER[x], ()))
        ranked = sorted((v for v in chosen[x] if v not in mine and v not in theirs), key=lambda v: (-ev[x][v], v))
        picked = mine + ranked[: max(0, cap - len(mine))]
        if not picked:
            pool = [v for v in relevance.get(x, {}) if v not in theirs and v not in chosen[OTHER[x]]]
            if pool:
                picked = [max(pool, key=lambda v: (_score(relevance, support, x, v), v))]
                fallback[x] = True
        out[x] = tuple(picked)
    return out, fallback


def _score(relevance: Scores, support: Scores, x: str, v: str) -> float:
    r, s = _get(relevance, x, v), _get(support, x, v)
    r = 0.0 if math.isnan(r) else r
    return r * (0.5 if math.isnan(s) else s)

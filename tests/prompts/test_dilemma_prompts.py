"""Both orders are asked, and they share the longest possible prefix."""

from __future__ import annotations

import os

from valuelens.prompts import Condition, dilemma_jobs, dilemma_prompt
from valuelens.suites import load_suite


def test_both_orders_swap_the_options_and_share_the_prefix() -> None:
    d = load_suite("core").dilemmas[0]
    cond = Condition(system_prompt="Be brief.", persona="You are a nurse in Lagos.")
    p0, p1 = dilemma_prompt(d, 0, cond), dilemma_prompt(d, 1, cond)
    assert p0.text.index(d.action_a.text) < p0.text.index(d.action_b.text)
    assert p1.text.index(d.action_b.text) < p1.text.index(d.action_a.text)
    shared = os.path.commonprefix([p0.text, p1.text])  # noqa: RUF071 (character-wise is what we want)
    # everything up to the first option text is shared by both orders
    head = p0.text[: p0.text.index("\nA. ") + len("\nA. ")]
    assert shared.startswith(head)
    assert p0.text.startswith("Be brief.\n\nYou are a nurse in Lagos.")
    assert d.situation in shared and d.question in shared
    assert p0.annotations["first_values"] == list(d.action_a.values)
    assert p1.annotations["first_values"] == list(d.action_b.values)


def test_jobs_keep_the_two_orders_of_a_dilemma_together() -> None:
    suite = load_suite("core")
    dilemmas = [d for d in suite.dilemmas if d.paraphrases][:3]
    jobs = dilemma_jobs(dilemmas, Condition(), paraphrases=True)
    assert len(jobs) == 3 * 3 * 2
    assert [(j.variant, j.order) for j in jobs[:6]] == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    assert jobs[2].prompt.text != jobs[0].prompt.text
    assert len(dilemma_jobs(dilemmas, Condition())) == 6

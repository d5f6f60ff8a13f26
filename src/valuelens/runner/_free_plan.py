"""The dry run of free-text answers and their judge: what `--answer free --judge MODEL` would ask.

The answers are counted at their limit (K samples of up to `--max-tokens` tokens each). Which answers
go to the judge is known only once they are given (those the rule cannot read, and a sample of
checks), so the judge is planned as if it read every answer not yet given, each at its longest (the
judge is shown at most 4,000 characters of it), priced at the judge model's price: an upper bound.
Answers already in the store give their judge prompts exactly.
"""

from __future__ import annotations

from valuelens.backends import Backend
from valuelens.backends._prices import current_prices
from valuelens.prompts import Prompt
from valuelens.runner._generate import (
    JUDGE_MAX_TOKENS,
    FreeTextSpec,
    judge_jobs,
    judge_key,
    judge_request,
    question_options,
)
from valuelens.runner._plan import (
    CHARS_PER_TOKEN,
    ESTIMATE,
    Plan,
    RequestShape,
    costs,
    estimate_prompt_tokens,
    local_time,
    plan,
)
from valuelens.runner._plans import JUDGE, PlannedRun, PlanSet
from valuelens.runner._session import Session

JUDGE_SHAPE = RequestShape(
    1,
    JUDGE_MAX_TOKENS,
    1,
    JUDGE_MAX_TOKENS,
    f"one judge request per answer it reads, each at most {JUDGE_MAX_TOKENS:,} tokens (planned as if it read every answer)",
    generation=True,
)
SHOWN_CHARS = 4003
"""The most of an answer a judge prompt shows ("..." and its last 4,000 characters; see `judge_prompt`)."""


def plan_judge(judge: Backend, prompts: dict[str, Prompt], spec: FreeTextSpec, s: Session) -> Plan:
    """The judge's part of a free-text run (key -> prompt of the free answers): at most every answer read."""
    labels = next(iter(prompts.values())).labels
    given = s.store.get_ok(prompts)
    known = {judge_key(spec, p): p for p in judge_jobs(spec, given, labels).values()}
    judged = s.store.get_ok(known)
    todo = [p for k, p in known.items() if k not in judged]
    longest = "x" * min(SHOWN_CHARS, int(spec.max_tokens * CHARS_PER_TOKEN))
    unknown = [judge_request(*question_options(p), longest, labels) for k, p in prompts.items() if k not in given]
    tokens = sum(map(estimate_prompt_tokens, todo)) + spec.samples * sum(map(estimate_prompt_tokens, unknown))
    to_ask = len(todo) + spec.samples * len(unknown)
    cost, cost_max = costs(judge, JUDGE_SHAPE, tokens, to_ask, batch=False)
    seconds, seconds_method = local_time(judge, todo + unknown, tokens, JUDGE_SHAPE)
    table = current_prices()
    return Plan(
        model=judge.name,
        prompts=len(known) + spec.samples * len(unknown),
        cached=len(judged),
        failed_before=len(s.store.failures([k for k in known if k not in judged])),
        to_ask=to_ask,
        requests=to_ask,
        how=JUDGE_SHAPE.how,
        tokens_prompt=tokens,
        tokens_exact=False,
        tokens_method=f"{ESTIMATE}; answers not yet given at their longest",
        tokens_completion=to_ask * JUDGE_MAX_TOKENS,
        tokens_completion_max=to_ask * JUDGE_MAX_TOKENS,
        at_most=True,
        cost_usd=cost,
        cost_usd_max=cost_max,
        batch=False,
        prices_date=table.date,
        prices_source=table.source,
        seconds=seconds,
        seconds_method=seconds_method,
    )


def plan_free_text(
    s: Session, prompts: dict[str, Prompt], spec: FreeTextSpec, judge: Backend | None, shape: RequestShape
) -> Plan | PlanSet:
    """The plan of free-text answers to `prompts` (live, never through a batch API) and, with a judge,
    a `PlanSet` of the answers ("free text") and the judge ("judge")."""
    answers = plan(s.backend, prompts, s.store, s.samples, batch=False, shape=shape)
    if judge is None or not prompts:
        return answers
    parts = (PlannedRun("", answers, "free text"), PlannedRun("", plan_judge(judge, prompts, spec, s), JUDGE))
    return PlanSet(s.kind or "run", parts)

"""Inspect tasks `valuelens/dilemmas` and `valuelens/outcomes` (dataset, solver, scorer kept apart).

    inspect eval valuelens/dilemmas --model openai/gpt-4o-mini -T suite=core
    inspect eval valuelens/outcomes --model anthropic/claude-haiku-4-5 -T pairs=300 --epochs 10

Each sample is asked once with log-probabilities requested (top 20 of the first answer token); a
provider without them is read from its answer text, so repeat with `--epochs K` to get K samples.
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig
from inspect_ai.solver import generate

from valuelens.integrations.inspect._dataset import dilemma_samples, outcome_samples
from valuelens.integrations.inspect._scoring import choice_probability, outcome_utilities, position_bias, value_scores
from valuelens.prompts import Condition, read_text_arg
from valuelens.runner import SAMPLE_MAX_TOKENS
from valuelens.suites import load_outcomes, load_suite, resolve_persona, resolve_principle

TOP_LOGPROBS = 20
DEFAULT_PAIRS = 500


def _config(logprobs: bool) -> GenerateConfig:
    # temperature 1 as the engine samples: with --epochs K a provider without log-probabilities gives K draws
    if logprobs:
        return GenerateConfig(logprobs=True, top_logprobs=TOP_LOGPROBS, max_tokens=SAMPLE_MAX_TOKENS, temperature=1.0)
    return GenerateConfig(max_tokens=SAMPLE_MAX_TOKENS, temperature=1.0)


@task
def dilemmas(
    suite: str = "core",
    paraphrases: bool = False,
    system_prompt: str | None = None,
    persona: str | None = None,
    principle: str | None = None,
    logprobs: bool = True,
) -> Task:
    """Every dilemma of a valuelens suite in both option orders; metrics: top values and position bias.

    Args:
        suite: bundled suite name ("core"), "dailydilemmas" (online) or a JSONL/CSV suite file.
        paraphrases: also ask every paraphrase of each dilemma.
        system_prompt: a system prompt (TEXT or @FILE).
        persona: a bundled persona name or a one-line persona text.
        principle: a bundled principle name or @FILE.
        logprobs: request log-probabilities (turn off for providers that reject the request).
    """
    the_principle = resolve_principle(principle)
    condition = Condition(
        system_prompt=read_text_arg(system_prompt, "system prompt"),
        persona=resolve_persona(persona),
        principle=the_principle.text if the_principle else None,
    )
    the_suite = load_suite(suite)
    return Task(
        dataset=dilemma_samples(the_suite, condition, paraphrases),
        solver=generate(),
        scorer=choice_probability(),
        metrics=[value_scores(), position_bias()],
        config=_config(logprobs),
        metadata={"valuelens_kind": "dilemmas", "suite": the_suite.name, "condition": condition.to_dict()},
    )


@task
def outcomes(outcomes: str = "core", pairs: int = DEFAULT_PAIRS, seed: int = 0, logprobs: bool = True) -> Task:
    """Forced choices between states of the world, a seeded set of pairs in both orders.

    Args:
        outcomes: "core" (the bundled outcomes) or an outcome file (JSON categories or JSONL records).
        pairs: how many distinct pairs to ask (each in both orders).
        seed: seed of the pair draw.
        logprobs: request log-probabilities (turn off for providers that reject the request).
    """
    the_outcomes = load_outcomes(outcomes)
    return Task(
        dataset=outcome_samples(the_outcomes, pairs, seed),
        solver=generate(),
        scorer=choice_probability(),
        metrics=[outcome_utilities(), position_bias()],
        config=_config(logprobs),
        metadata={"valuelens_kind": "outcomes", "outcomes": outcomes, "pairs": pairs, "seed": seed},
    )

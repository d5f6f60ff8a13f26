"""Option definitions shared by the commands (declared once; defaults from the library's constants)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from valuelens.analysis import N_BOOT_STUDY
from valuelens.backends import DEFAULT_MODEL
from valuelens.runner import SAMPLES_PER_ORDER
from valuelens.runner._generate import FREE_MAX_TOKENS

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="SQLite store (default $VALUELENS_STORE or ./.valuelens/store.sqlite)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
BaseUrlOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--base-url", metavar="URL", help="Server URL for openai/ or anthropic/ models; repeat to share the load."
    ),
]
TimeoutOpt = Annotated[float | None, typer.Option("--timeout", help="Seconds per request (remote models).")]
LensOpt = Annotated[
    str | None,
    typer.Option(
        "--lens",
        help="Also print one theory lens's table: schwartz, schwartz_higher, schwartz_refined, mft, wvs, "
        "maslow, aristotle, plutchik.",
    ),
]
MaxConcurrencyOpt = Annotated[
    int | None, typer.Option("--max-concurrency", help="Most requests in flight at once (remote models).")
]
ReportOpt = Annotated[bool, typer.Option("--report", help="Also write the HTML report (./valuelens-RUN_ID.html).")]
ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="provider/model, e.g. llamacpp/gemma-3-270m, llamacpp/PATH.gguf, synthetic/default, "
        "openai/MODEL, openai/MODEL?api=completions, anthropic/MODEL, hf/PATH",
    ),
]
SuiteOpt = Annotated[str, typer.Option("--suite", "-s", help="Bundled suite name or a JSONL/CSV file.")]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", help="Only the first N dilemmas.")]
SeedOpt = Annotated[int, typer.Option(help="Seed for every random choice in the analysis.")]
SamplesOpt = Annotated[int, typer.Option(help="Samples per prompt when the model gives no log-probabilities.")]
NBootOpt = Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples.")]
SystemPromptOpt = Annotated[str | None, typer.Option("--system-prompt", help="TEXT or @FILE.")]
PrincipleOpt = Annotated[str | None, typer.Option(help="Bundled principle name or @FILE.")]
RunIdArg = Annotated[str, typer.Argument(help="Run id or a unique prefix.")]
ShardOpt = Annotated[
    str | None,
    typer.Option("--shard", metavar="I/N", help="Ask only shard I of N of the prompts (merge stores afterwards)."),
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit 1 when any prompt failed (default: when all did).")]
# scale (issue 18): prices, batch APIs, dry run, spend limit
PricesOpt = Annotated[
    str | None, typer.Option("--prices", metavar="FILE", help="Dated price table (JSON) instead of the bundled one.")
]
BatchOpt = Annotated[
    bool, typer.Option("--batch", help="Send unanswered prompts through the provider's batch API (half price).")
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show prompts, cached answers, tokens and estimated cost; ask nothing.")
]
MaxCostOpt = Annotated[
    float | None, typer.Option("--max-cost", metavar="USD", help="Stop asking once the estimated spend reaches this.")
]
# free-text answers (issue 13)
AnswerOpt = Annotated[
    str,
    typer.Option(
        "--answer",
        help="logprobs (the choice's log-probabilities, else short samples), free (the model answers in its "
        "own words, reasoning allowed; read by rule, then --judge) or both (and their agreement).",
    ),
]
AnswerSamplesOpt = Annotated[
    int | None,
    typer.Option("--samples", help="Samples per prompt: without log-probabilities (default 10); free text (5)."),
]
MaxTokensOpt = Annotated[int, typer.Option("--max-tokens", help="Longest free-text answer, reasoning included.")]
JudgeOpt = Annotated[
    str | None, typer.Option("--judge", help="Model that reads the free-text answers the rule cannot (any provider).")
]
JudgeBaseUrlOpt = Annotated[
    str | None,
    typer.Option("--judge-base-url", metavar="URL", help="The judge's server (default: --base-url if same provider)."),
]


def answer_args(answer: str, max_tokens: int, judge: str | None, judge_base_url: str | None) -> dict[str, Any]:
    """The free-text options as the study functions take them."""
    return {"answer": answer, "max_tokens": max_tokens, "judge": judge, "judge_base_url": judge_base_url}


__all__ = [
    "DEFAULT_MODEL",
    "FREE_MAX_TOKENS",
    "N_BOOT_STUDY",
    "SAMPLES_PER_ORDER",
    "AnswerOpt",
    "AnswerSamplesOpt",
    "BaseUrlOpt",
    "BatchOpt",
    "DryRunOpt",
    "JsonOpt",
    "JudgeBaseUrlOpt",
    "JudgeOpt",
    "LensOpt",
    "LimitOpt",
    "MaxConcurrencyOpt",
    "MaxCostOpt",
    "MaxTokensOpt",
    "ModelOpt",
    "NBootOpt",
    "PricesOpt",
    "PrincipleOpt",
    "ReportOpt",
    "RunIdArg",
    "SamplesOpt",
    "SeedOpt",
    "ShardOpt",
    "StoreOpt",
    "StrictOpt",
    "SuiteOpt",
    "SystemPromptOpt",
    "TimeoutOpt",
    "answer_args",
]

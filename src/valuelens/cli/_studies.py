"""Commands of the studies beyond one dilemma run: survey, steer, compare, sweep (utilities: `_utilities`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from valuelens.cli._app import (
    app,
    at_scale,
    emit,
    exit_for_failures,
    print_json,
    print_report_path,
    progress_bar,
)
from valuelens.cli._options import (
    DEFAULT_MODEL,
    FREE_MAX_TOKENS,
    N_BOOT_STUDY,
    AnswerOpt,
    AnswerSamplesOpt,
    BaseUrlOpt,
    BatchOpt,
    DryRunOpt,
    JsonOpt,
    JudgeBaseUrlOpt,
    JudgeOpt,
    LimitOpt,
    MaxCostOpt,
    MaxTokensOpt,
    ModelOpt,
    NBootOpt,
    PricesOpt,
    PrincipleOpt,
    SeedOpt,
    ShardOpt,
    StoreOpt,
    StrictOpt,
    SuiteOpt,
    TimeoutOpt,
    answer_args,
)


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [v.strip() for v in text.split(",") if v.strip()]


@app.command()
def survey(
    model: ModelOpt = DEFAULT_MODEL,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="Dilemma run for the say-do gap (default: the newest complete run of this model without a condition).",
        ),
    ] = None,
    seed: SeedOpt = 0,
    samples: AnswerSamplesOpt = None,
    answer: AnswerOpt = "logprobs",
    max_tokens: MaxTokensOpt = FREE_MAX_TOKENS,
    judge: JudgeOpt = None,
    judge_base_url: JudgeBaseUrlOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    shard: ShardOpt = None,
    strict: StrictOpt = False,
    prices: PricesOpt = None,
    batch: BatchOpt = False,
    dry_run: DryRunOpt = False,
    max_cost: MaxCostOpt = None,
) -> None:
    """Ask the 40 survey items (scale in both directions) and compare stated with revealed values."""
    from valuelens import survey as run_survey
    from valuelens.report import print_survey

    with at_scale(as_json, prices, batch, dry_run, max_cost), progress_bar() as progress:
        result = run_survey(
            model, against=against, seed=seed, samples=samples, store=store, progress=progress,
            base_url=base_url, timeout=timeout, shard=shard, **answer_args(answer, max_tokens, judge, judge_base_url),
        )  # fmt: skip
    emit(result, as_json, print_survey)
    exit_for_failures(result, strict)


@app.command()
def steer(
    model: ModelOpt = DEFAULT_MODEL,
    principle: PrincipleOpt = None,
    system_prompt: Annotated[
        str | None, typer.Option("--system-prompt", help="TEXT or @FILE to steer with instead of a principle.")
    ] = None,
    supports: Annotated[
        str | None, typer.Option("--supports", help="Comma-separated lexicon values the condition favours.")
    ] = None,
    opposes: Annotated[
        str | None, typer.Option("--opposes", help="Comma-separated lexicon values the condition disfavours.")
    ] = None,
    suite: SuiteOpt = "core",
    whole_suite: Annotated[
        bool, typer.Option("--whole-suite", help="Ask every dilemma, not only those that pit the values.")
    ] = False,
    limit: LimitOpt = None,
    seed: SeedOpt = 0,
    n_boot: NBootOpt = N_BOOT_STUDY,
    samples: AnswerSamplesOpt = None,
    answer: AnswerOpt = "logprobs",
    max_tokens: MaxTokensOpt = FREE_MAX_TOKENS,
    judge: JudgeOpt = None,
    judge_base_url: JudgeBaseUrlOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    prices: PricesOpt = None,
    dry_run: DryRunOpt = False,
    max_cost: MaxCostOpt = None,
) -> None:
    """Ask dilemmas without and with a principle; report how far it moves choices toward its values."""
    from valuelens import steer as run_steer
    from valuelens.report import print_steer

    with at_scale(as_json, prices, False, dry_run, max_cost), progress_bar() as progress:
        result = run_steer(
            model,
            principle,
            system_prompt=system_prompt,
            supports=_names(supports),
            opposes=_names(opposes),
            suite=suite,
            whole_suite=whole_suite,
            limit=limit,
            seed=seed,
            samples=samples,
            n_boot=n_boot,
            store=store,
            progress=progress,
            base_url=base_url,
            timeout=timeout,
            **answer_args(answer, max_tokens, judge, judge_base_url),
        )
    emit(result, as_json, print_steer)


@app.command()
def compare(
    run_ids: Annotated[
        list[str], typer.Argument(help="Two or more run ids (or prefixes); the first is the reference.")
    ],
    html: Annotated[
        str | None, typer.Option("--html", help="Write the comparison report (one file per run after the first).")
    ] = None,
    seed: SeedOpt = 0,
    n_boot: NBootOpt = N_BOOT_STUDY,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare runs: utility differences per value and theory dimension, Holm, Spearman, Aitchison."""
    from valuelens import compare as compare_runs
    from valuelens.report import print_comparison, write_comparison_pages

    result = compare_runs(run_ids, store=store, seed=seed, n_boot=n_boot)
    summary = result.summary()
    if html is not None:
        summary["html"] = [str(p) for p in write_comparison_pages(result.pages(), html)]
    if as_json:
        print_json(summary)
        return
    print_comparison(summary, Console(emoji=False))
    for path in summary.get("html", []):
        print_report_path(path)


@app.command()
def sweep(
    model: Annotated[list[str], typer.Option("--model", "-m", help="provider/model, as for run; repeat.")],
    persona: Annotated[
        list[str] | None, typer.Option("--persona", help="Bundled persona name or one-line text; repeat.")
    ] = None,
    principle: Annotated[
        list[str] | None, typer.Option("--principle", help="Bundled principle name or @FILE; repeat.")
    ] = None,
    system_prompt: Annotated[
        list[str] | None, typer.Option("--system-prompt", help="TEXT or @FILE, a condition of its own; repeat.")
    ] = None,
    suite: SuiteOpt = "core",
    limit: LimitOpt = None,
    seed: SeedOpt = 0,
    n_boot: NBootOpt = N_BOOT_STUDY,
    samples: AnswerSamplesOpt = None,
    answer: AnswerOpt = "logprobs",
    max_tokens: MaxTokensOpt = FREE_MAX_TOKENS,
    judge: JudgeOpt = None,
    judge_base_url: JudgeBaseUrlOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    html: Annotated[str | None, typer.Option("--html", help="Write the sweep report (HTML) to this file.")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    prices: PricesOpt = None,
    dry_run: DryRunOpt = False,
    max_cost: MaxCostOpt = None,
) -> None:
    """Run every model under a baseline and each persona/principle on the same dilemmas, and compare."""
    from valuelens import sweep as run_sweep
    from valuelens._io import check_output
    from valuelens.report import print_sweep, write_sweep_html

    if html is not None:
        check_output(html, "report")  # before the sweep, not after it
    with at_scale(as_json, prices, False, dry_run, max_cost), progress_bar() as progress:
        result = run_sweep(
            model,
            personas=persona or [],
            principles=principle or [],
            system_prompts=system_prompt or [],
            suite=suite,
            limit=limit,
            seed=seed,
            n_boot=n_boot,
            samples=samples,
            store=store,
            progress=progress,
            base_url=base_url,
            timeout=timeout,
            **answer_args(answer, max_tokens, judge, judge_base_url),
        )
    summary = result.summary()
    if html is not None:
        summary["report"] = str(write_sweep_html(summary, html))
    if as_json:
        print_json(summary)
        return
    print_sweep(summary, Console(emoji=False))
    if html is not None:
        print_report_path(summary["report"])

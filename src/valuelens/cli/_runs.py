"""Commands over dilemma runs and the store: run, show, runs, suites, report, export."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from valuelens.cli._app import app, at_scale, check_report_folder, emit, exit_for_failures, print_json, progress_bar
from valuelens.cli._options import (
    DEFAULT_MODEL,
    FREE_MAX_TOKENS,
    AnswerOpt,
    AnswerSamplesOpt,
    BaseUrlOpt,
    BatchOpt,
    DryRunOpt,
    JsonOpt,
    JudgeBaseUrlOpt,
    JudgeOpt,
    LensOpt,
    LimitOpt,
    MaxConcurrencyOpt,
    MaxCostOpt,
    MaxTokensOpt,
    ModelOpt,
    PricesOpt,
    PrincipleOpt,
    ReportOpt,
    RunIdArg,
    SeedOpt,
    ShardOpt,
    StoreOpt,
    StrictOpt,
    SuiteOpt,
    SystemPromptOpt,
    TimeoutOpt,
)
from valuelens.errors import InputError


@app.command()
def run(
    model: ModelOpt = DEFAULT_MODEL,
    suite: SuiteOpt = "core",
    limit: LimitOpt = None,
    seed: SeedOpt = 0,
    system_prompt: SystemPromptOpt = None,
    persona: Annotated[str | None, typer.Option(help="Bundled persona name or a one-line persona text.")] = None,
    principle: PrincipleOpt = None,
    paraphrases: Annotated[bool, typer.Option("--paraphrases", help="Also ask every paraphrase.")] = False,
    samples: AnswerSamplesOpt = None,
    answer: AnswerOpt = "logprobs",
    max_tokens: MaxTokensOpt = FREE_MAX_TOKENS,
    judge: JudgeOpt = None,
    judge_base_url: JudgeBaseUrlOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    max_concurrency: MaxConcurrencyOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    prices: PricesOpt = None,
    batch: BatchOpt = False,
    dry_run: DryRunOpt = False,
    max_cost: MaxCostOpt = None,
    report: ReportOpt = False,
    lens: LensOpt = None,
    lexicon: Annotated[
        str | None,
        typer.Option("--lexicon", help="Theory mapping for the lenses: dailydilemmas:PATH/values.csv (the paper's)."),
    ] = None,
    protocol: Annotated[
        str,
        typer.Option(
            "--protocol",
            help="Also ask the DailyDilemmas paper's way (one order, greedy) and print it beside: dailydilemmas.",
        ),
    ] = "valuelens",
    shard: ShardOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Ask a dilemma suite in both option orders and show the model's value profile."""
    from valuelens import run as run_suite
    from valuelens.report import print_lens, print_run

    check_lens(lens)
    check_report_folder(report)
    with at_scale(as_json, prices, batch, dry_run, max_cost), progress_bar() as progress:
        result = run_suite(
            model,
            suite,
            limit=limit,
            seed=seed,
            system_prompt=system_prompt,
            persona=persona,
            principle=principle,
            paraphrases=paraphrases,
            samples=samples,
            store=store,
            progress=progress,
            base_url=base_url,
            timeout=timeout,
            max_concurrency=max_concurrency,
            lexicon=lexicon,
            protocol=protocol,
            shard=shard,
            answer=answer,
            max_tokens=max_tokens,
            judge=judge,
            judge_base_url=judge_base_url,
        )
    emit(result, as_json, print_run, report)
    if lens and not as_json:
        print_lens(result.summary(), lens, Console(emoji=False))
    exit_for_failures(result, strict)


def check_lens(lens: str | None) -> None:
    """A lens name that no dilemma run has is bad input, refused before any model call."""
    from valuelens.studies import THEORIES

    if lens is not None and lens not in THEORIES:
        raise InputError(f"--lens: unknown lens '{lens}' (one of: {', '.join(THEORIES)})")


@app.command()
def show(run_id: RunIdArg, store: StoreOpt = None, as_json: JsonOpt = False, lens: LensOpt = None) -> None:
    """Show a stored run's value profile again (no model calls)."""
    from valuelens import load_run
    from valuelens.report import print_lens, print_summary

    check_lens(lens)
    summary = load_run(run_id, store=store).summary()
    if as_json:
        print_json(summary)
        return
    print_summary(summary, Console(emoji=False))
    if lens:
        try:
            print_lens(summary, lens, Console(emoji=False))
        except ValueError as exc:  # a survey or utilities run has no theory lenses
            raise InputError(f"{run_id}: {exc}") from None


@app.command()
def runs(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List the runs in the store, newest first."""
    from valuelens.report import print_runs
    from valuelens.studies import list_runs

    rows = list_runs(store)
    print_json(rows) if as_json else print_runs(rows, Console(emoji=False))


@app.command("suites")
def suites_cmd(as_json: JsonOpt = False) -> None:
    """List the bundled suites and content with their sizes, and the outside formats valuelens loads."""
    from valuelens.report import print_suites
    from valuelens.suites import list_suites

    rows = list_suites()
    print_json({"suites": rows}) if as_json else print_suites(rows, Console(emoji=False))


@app.command()
def report(
    run_id: RunIdArg,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="HTML file (default ./valuelens-RUN_ID.html).")
    ] = None,
    figures: Annotated[
        str | None, typer.Option("--figures", help="Also write SVG figures for papers into DIR.")
    ] = None,
    png: Annotated[bool, typer.Option("--png", help="With --figures: also PNG (needs Chromium).")] = False,
    store: StoreOpt = None,
) -> None:
    """Write a run's self-contained HTML report (works offline), and optionally figures."""
    from valuelens import load_run
    from valuelens.report import write_figures, write_report

    result = load_run(run_id, store=store)
    path = write_report(result, output)
    written = write_figures(result.report_data(), figures, png=png) if figures is not None else []
    typer.echo(f"Report: {path}")
    if figures is not None:
        typer.echo(f"Figures: {len(written)} files in {figures}")


@app.command()
def export(
    run_id: RunIdArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, jsonl or parquet.")] = "csv",
    output: Annotated[str | None, typer.Option("--output", "-o", help="File (default ./RUN_ID-TABLE.FORMAT).")] = None,
    table: Annotated[
        str | None,
        typer.Option("--table", help="choices (default) or values; a survey run: items (default) or values."),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Export a run's answers (or value scores) as CSV, JSONL or Parquet."""
    from valuelens import load_run
    from valuelens.report import export_frame
    from valuelens.studies import export_frame_of

    result = load_run(run_id, store=store)
    name, frame = export_frame_of(result, table)
    path = export_frame(frame, fmt, output if output is not None else f"{result.run_id}-{name}.{fmt}")
    typer.echo(f"{path}: {len(frame)} rows")

"""`valuelens utilities`: preferences over outcomes, elicited in both orders, and a utility for each."""

from __future__ import annotations

from typing import Annotated

import typer

from valuelens.cli._app import app, at_scale, check_report_folder, emit, progress_bar
from valuelens.cli._options import (
    DEFAULT_MODEL,
    SAMPLES_PER_ORDER,
    BaseUrlOpt,
    BatchOpt,
    DryRunOpt,
    JsonOpt,
    MaxConcurrencyOpt,
    MaxCostOpt,
    ModelOpt,
    PricesOpt,
    ReportOpt,
    SamplesOpt,
    ShardOpt,
    StoreOpt,
    SystemPromptOpt,
    TimeoutOpt,
)


@app.command()
def utilities(
    model: ModelOpt = DEFAULT_MODEL,
    outcomes: Annotated[
        str,
        typer.Option("--outcomes", help="core (bundled) or an outcome file: JSON {category: [outcome, ...]} or JSONL."),
    ] = "core",
    budget: Annotated[
        int | None, typer.Option("--budget", help="Training comparisons (pairs); default 2 N log2 N.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of pair selection, the held-out draw and every interval.")] = 0,
    design: Annotated[
        str,
        typer.Option(
            "--design",
            help="active (each round's pairs chosen from the answers so far) or fixed (every pair fixed in advance "
            "by the seed and the outcomes: one batch, a whole dry run, --shard).",
        ),
    ] = "active",
    shard: ShardOpt = None,
    samples: SamplesOpt = SAMPLES_PER_ORDER,
    holdout: Annotated[float, typer.Option(help="Held-out pairs as a share of the budget (coherence).")] = 0.1,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Only the first N outcomes.")] = None,
    system_prompt: SystemPromptOpt = None,
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
) -> None:
    """Elicit preferences over outcomes (both orders, active or fixed pairs) and fit a utility to each."""
    from valuelens import fit_utilities
    from valuelens.report import print_utilities

    check_report_folder(report)
    with at_scale(as_json, prices, batch, dry_run, max_cost), progress_bar() as progress:
        result = fit_utilities(
            model,
            outcomes,
            budget=budget,
            seed=seed,
            samples=samples,
            holdout=holdout,
            limit=limit,
            system_prompt=system_prompt,
            store=store,
            progress=progress,
            base_url=base_url,
            timeout=timeout,
            max_concurrency=max_concurrency,
            design=design,
            shard=shard,
        )
    emit(result, as_json, print_utilities, report)

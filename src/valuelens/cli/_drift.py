"""`valuelens drift`: value utilities along a series of checkpoints."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from valuelens.cli._app import app, at_scale, print_json, print_report_path, progress_bar
from valuelens.cli._options import (
    SAMPLES_PER_ORDER,
    BaseUrlOpt,
    BatchOpt,
    DryRunOpt,
    JsonOpt,
    LimitOpt,
    MaxCostOpt,
    PricesOpt,
    SamplesOpt,
    SeedOpt,
    StoreOpt,
    SuiteOpt,
    TimeoutOpt,
)


@app.command()
def drift(
    run_ids: Annotated[
        list[str] | None, typer.Argument(help="Stored runs in checkpoint order (ids or prefixes).")
    ] = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Checkpoint to run first, in order; repeat.")
    ] = None,
    steps: Annotated[
        str | None, typer.Option("--steps", help="Training step of each checkpoint, e.g. 0,200,400 (default 0,1,2...).")
    ] = None,
    suite: SuiteOpt = "core",
    limit: LimitOpt = None,
    seed: SeedOpt = 0,
    n_boot: Annotated[
        int, typer.Option("--n-boot", help="Paired bootstrap resamples (each refits every checkpoint).")
    ] = 200,
    samples: SamplesOpt = SAMPLES_PER_ORDER,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    html: Annotated[str | None, typer.Option("--html", help="Write the drift report (HTML) to this file.")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    prices: PricesOpt = None,
    batch: BatchOpt = False,
    dry_run: DryRunOpt = False,
    max_cost: MaxCostOpt = None,
) -> None:
    """Trace value utilities over checkpoints: trajectories, how far and when values move, Holm-tested."""
    from valuelens import drift as run_drift
    from valuelens.report._drift_html import write_drift_html
    from valuelens.report._drift_terminal import print_drift

    with at_scale(as_json, prices, batch, dry_run, max_cost), progress_bar() as progress:  # --model checkpoints
        result = run_drift(
            run_ids or [], models=model or [], steps=steps, suite=suite, limit=limit, seed=seed, n_boot=n_boot,
            samples=samples, store=store, progress=progress, base_url=base_url, timeout=timeout,
        )  # fmt: skip
    summary = result.summary()
    if html:
        summary["report"] = str(write_drift_html(result.report_data(), html))
    if as_json:
        print_json(summary)
        return
    print_drift(summary, Console(emoji=False))
    if html:
        print_report_path(summary["report"])

"""Commands that bring new material in: annotate (scenarios -> suite) and import-inspect (log -> run)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from valuelens.cli._app import app, print_json, progress_bar
from valuelens.cli._options import (
    DEFAULT_MODEL,
    SAMPLES_PER_ORDER,
    BaseUrlOpt,
    JsonOpt,
    SamplesOpt,
    StoreOpt,
    TimeoutOpt,
)


@app.command()
def annotate(
    scenarios: Annotated[
        str, typer.Argument(help="JSONL or CSV file of scenarios (situation, question, two actions).")
    ],
    model: Annotated[
        str, typer.Option("--model", "-m", help="provider/model that answers the questions.")
    ] = DEFAULT_MODEL,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Suite file to write (default ./STEM-suite.jsonl).")
    ] = None,
    threshold: Annotated[float, typer.Option(help="Least P(relevant) for a value to count.")] = 0.5,
    max_values: Annotated[int, typer.Option("--max-values", help="Most values per action.")] = 4,
    samples: SamplesOpt = SAMPLES_PER_ORDER,
    embed: Annotated[
        bool | None,
        typer.Option(
            "--embed/--no-embed",
            help="Map your free-text value names by embedding similarity too "
            "(default: when valuelens[embed] is installed).",
        ),
    ] = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Label new scenarios with the lexicon values each action serves, and write them as a suite."""
    from valuelens import annotate as annotate_scenarios
    from valuelens.report import print_annotation

    target = output or f"{Path(scenarios).stem}-suite.jsonl"
    with progress_bar() as progress:
        result = annotate_scenarios(
            scenarios,
            model,
            output=target,
            threshold=threshold,
            max_values=max_values,
            samples=samples,
            embed=embed,
            store=store,
            progress=progress,
            base_url=base_url,
            timeout=timeout,
        )
    summary = result.summary()
    if as_json:
        print_json(summary)
        return
    for note in result.notes:
        typer.echo(note, err=True)
    print_annotation(summary, target, Console())


@app.command("import-inspect")
def import_inspect_cmd(
    log: Annotated[str, typer.Argument(help="Inspect log of valuelens/dilemmas (.eval or .json).")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store an Inspect log of valuelens/dilemmas as a run (then: valuelens show / report RUN_ID)."""
    from valuelens import import_inspect
    from valuelens.report import print_run

    summary = import_inspect(log, store=store).summary()
    print_json(summary) if as_json else print_run(summary, Console())

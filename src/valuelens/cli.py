"""The `valuelens` command: a thin typer app over the Python API."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from valuelens.backends import DEFAULT_MODEL
from valuelens.errors import BackendError, EnvironmentProblem, InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Which values does a language model put first?",
    pretty_exceptions_show_locals=False,  # locals may hold API keys
)
err = Console(stderr=True)

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
MaxConcurrencyOpt = Annotated[
    int | None, typer.Option("--max-concurrency", help="Most requests in flight at once (remote models).")
]
ReportOpt = Annotated[bool, typer.Option("--report", help="Also write the HTML report (./valuelens-RUN_ID.html).")]


def _fail(exc: InputError | BackendError | EnvironmentProblem) -> None:
    from valuelens.backends._secrets import scrub

    lines = [scrub(line) for line in exc.render()]
    sys.stderr.write("".join(f"{line}\n" for line in lines))  # plain: one unwrapped line per problem
    raise typer.Exit(exc.exit_code)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("[bold]asking"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("prompts"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task("run", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=float) + "\n")


@app.command()
def run(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="provider/model, e.g. llamacpp/gemma-3-270m, llamacpp/PATH.gguf, synthetic/default, "
            "openai/MODEL, openai/MODEL?api=completions, anthropic/MODEL, hf/PATH",
        ),
    ] = DEFAULT_MODEL,
    suite: Annotated[str, typer.Option("--suite", "-s", help="Bundled suite name or a JSONL/CSV file.")] = "core",
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Only the first N dilemmas.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for every random choice in the analysis.")] = 0,
    system_prompt: Annotated[str | None, typer.Option("--system-prompt", help="TEXT or @FILE.")] = None,
    persona: Annotated[str | None, typer.Option(help="Bundled persona name or a one-line persona text.")] = None,
    principle: Annotated[str | None, typer.Option(help="Bundled principle name or @FILE.")] = None,
    paraphrases: Annotated[bool, typer.Option("--paraphrases", help="Also ask every paraphrase.")] = False,
    samples: Annotated[int, typer.Option(help="Samples per prompt when the model gives no log-probabilities.")] = 10,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    max_concurrency: MaxConcurrencyOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    report: ReportOpt = False,
) -> None:
    """Ask a dilemma suite in both option orders and show the model's value profile."""
    from valuelens import run as run_suite
    from valuelens.prompts import read_text_arg
    from valuelens.report import print_run
    from valuelens.suites import resolve_persona, resolve_principle

    try:
        if report:
            from valuelens._files import check_folder

            check_folder(".")  # a report that cannot be written is found before the run, not after
        principle_obj = resolve_principle(principle)
        with _progress(err.is_terminal) as progress:
            result = run_suite(
                model,
                suite,
                limit=limit,
                seed=seed,
                system_prompt=read_text_arg(system_prompt, "system prompt"),
                persona=resolve_persona(persona),
                principle=principle_obj.text if principle_obj else None,
                paraphrases=paraphrases,
                samples=samples,
                store=store,
                progress=progress,
                base_url=base_url,
                timeout=timeout,
                max_concurrency=max_concurrency,
            )
    except (InputError, BackendError) as exc:
        _fail(exc)
    summary = result.summary()
    report_path, unwritten = None, None
    if report:
        from valuelens.report import write_report

        try:
            report_path = write_report(result)
            summary["report"] = str(report_path)
        except (InputError, EnvironmentProblem) as exc:
            unwritten = exc  # the results are printed first, then the error
    if as_json:
        _print_json(summary)
    else:
        print_run(summary, Console())
        if report_path is not None:
            Console().print(f"Report: {report_path}", highlight=False, soft_wrap=True)
    if unwritten is not None:
        _fail(unwritten)


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="Run id or a unique prefix.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a stored run's value profile again (no model calls)."""
    from valuelens import load_run
    from valuelens.report import print_run

    try:
        result = load_run(run_id, store=store)
    except InputError as exc:
        _fail(exc)
    summary = result.summary()
    if as_json:
        _print_json(summary)
    elif summary.get("kind") == "utilities":
        from valuelens._utilities_run import print_utilities

        print_utilities(summary, Console())
    elif summary.get("kind") == "survey":
        from valuelens._study_output import print_survey

        print_survey(summary, Console())
    else:
        print_run(summary, Console())


@app.command()
def runs(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List the runs in the store, newest first."""
    from rich.table import Table

    from valuelens.store import Store, run_progress

    with Store(store) as st:
        records = [(r, run_progress(st, r.run_id)) for r in st.list_runs()]
    rows = [
        {
            "run_id": r.run_id,
            "kind": r.kind,
            "model": r.model,
            "suite": r.suite,
            "status": "incomplete" if answered < total else r.status,  # killed runs stay "running" in the store
            "answered": f"{answered}/{total}",
            "calls": r.stats.get("model_calls", 0),
            "failed": r.stats.get("failed", 0),
        }
        for r, (answered, total) in records
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table(*rows[0].keys()) if rows else Table("run_id")
    for r in rows:
        table.add_row(*(str(v) for v in r.values()))
    Console().print(table)


@app.command("suites")
def suites_cmd(as_json: JsonOpt = False) -> None:
    """List the bundled suites and content with their sizes, and the outside formats valuelens loads."""
    from rich.markup import escape
    from rich.table import Table

    from valuelens.suites import list_suites

    rows = list_suites()
    if as_json:
        _print_json({"suites": rows})
        return
    table = Table("name", "kind", "origin", "size", "use", "about")
    for r in rows:
        cells = [escape(str(r[k])) for k in ("name", "kind", "origin", "summary", "use", "about")]
        if not r["available"]:
            cells[0] += " [dim](not installed)[/dim]"
        table.add_row(*cells)
    Console().print(table)


@app.command()
def report(
    run_id: Annotated[str, typer.Argument(help="Run id or a unique prefix.")],
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

    try:
        result = load_run(run_id, store=store)
        path = write_report(result, output)
        written = write_figures(result.report_data(), figures, png=png) if figures is not None else []
    except (InputError, EnvironmentProblem) as exc:
        _fail(exc)
    sys.stdout.write(f"Report: {path}\n")
    if figures:
        sys.stdout.write(f"Figures: {len(written)} files in {figures}\n")


@app.command()
def export(
    run_id: Annotated[str, typer.Argument(help="Run id or a unique prefix.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, jsonl or parquet.")] = "csv",
    output: Annotated[str | None, typer.Option("--output", "-o", help="File (default ./RUN_ID-TABLE.FORMAT).")] = None,
    table: Annotated[str, typer.Option("--table", help="choices (one row per dilemma) or values.")] = "choices",
    store: StoreOpt = None,
) -> None:
    """Export a run's choices (or value scores) as CSV, JSONL or Parquet."""
    from valuelens import load_run
    from valuelens.report import export_frame

    try:
        if table not in ("choices", "values"):
            raise InputError(f"--table: unknown table '{table}' (choose choices or values)")
        result = load_run(run_id, store=store)
        frame = result.choices_df() if table == "choices" else result.values_df()
        path = export_frame(frame, fmt, output if output is not None else f"{result.run_id}-{table}.{fmt}")
    except (InputError, EnvironmentProblem) as exc:
        _fail(exc)
    sys.stdout.write(f"{path}: {len(frame)} rows\n")


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
    samples: Annotated[int, typer.Option(help="Samples per question when the model gives no log-probabilities.")] = 10,
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
    from pathlib import Path

    from rich.table import Table

    from valuelens import annotate as annotate_scenarios

    target = output or f"{Path(scenarios).stem}-suite.jsonl"
    try:
        with _progress(err.is_terminal) as progress:
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
    except (InputError, BackendError) as exc:
        _fail(exc)
    summary = result.summary()
    if as_json:
        _print_json(summary)
        return
    for note in result.notes:
        sys.stderr.write(f"{note}\n")
    table = Table("id", "action A values", "action B values")
    for d in summary["dilemmas"]:
        table.add_row(d["id"], ", ".join(d["values_a"]), ", ".join(d["values_b"]))
    out = Console()
    out.print(table)
    out.print(
        f"Suite: {target} ({summary['scenarios']} dilemmas; {summary['model_calls']} questions asked, "
        f"{summary['cached_calls']} cached). Run it: valuelens run --suite {target}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("import-inspect")
def import_inspect_cmd(
    log: Annotated[str, typer.Argument(help="Inspect log of valuelens/dilemmas (.eval or .json).")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store an Inspect log of valuelens/dilemmas as a run (then: valuelens show / report RUN_ID)."""
    from valuelens import import_inspect
    from valuelens.report import print_run

    try:
        result = import_inspect(log, store=store)
    except (InputError, BackendError) as exc:
        _fail(exc)
    summary = result.summary()
    _print_json(summary) if as_json else print_run(summary, Console())


@app.command()
def survey(
    model: Annotated[str, typer.Option("--model", "-m", help="provider/model, as for run.")] = DEFAULT_MODEL,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="Dilemma run for the say-do gap (default: the newest complete run of this model without a condition).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the bootstrap intervals.")] = 0,
    samples: Annotated[int, typer.Option(help="Samples per prompt when the model gives no log-probabilities.")] = 10,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the 40 survey items (scale in both directions) and compare stated with revealed values."""
    from valuelens import survey as run_survey
    from valuelens._study_output import print_survey

    try:
        with _progress(err.is_terminal) as progress:
            result = run_survey(
                model,
                against=against,
                seed=seed,
                samples=samples,
                store=store,
                progress=progress,
                base_url=base_url,
                timeout=timeout,
            )
    except (InputError, BackendError) as exc:
        _fail(exc)
    summary = result.summary()
    _print_json(summary) if as_json else print_survey(summary, Console())


@app.command()
def steer(
    model: Annotated[str, typer.Option("--model", "-m", help="provider/model, as for run.")] = DEFAULT_MODEL,
    principle: Annotated[str | None, typer.Option(help="Bundled principle name or @FILE.")] = None,
    system_prompt: Annotated[
        str | None, typer.Option("--system-prompt", help="TEXT or @FILE to steer with instead of a principle.")
    ] = None,
    supports: Annotated[
        str | None, typer.Option("--supports", help="Comma-separated lexicon values the condition favours.")
    ] = None,
    opposes: Annotated[
        str | None, typer.Option("--opposes", help="Comma-separated lexicon values the condition disfavours.")
    ] = None,
    suite: Annotated[str, typer.Option("--suite", "-s", help="Bundled suite name or a JSONL/CSV file.")] = "core",
    whole_suite: Annotated[
        bool, typer.Option("--whole-suite", help="Ask every dilemma, not only those that pit the values.")
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Only the first N dilemmas.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for the bootstrap intervals.")] = 0,
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples.")] = 1000,
    samples: Annotated[int, typer.Option(help="Samples per prompt when the model gives no log-probabilities.")] = 10,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask dilemmas without and with a principle; report how far it moves choices toward its values."""
    from valuelens import steer as run_steer
    from valuelens._study_output import print_steer
    from valuelens.prompts import read_text_arg

    def values(text: str | None) -> list[str] | None:
        return None if text is None else [v.strip() for v in text.split(",") if v.strip()]

    try:
        with _progress(err.is_terminal) as progress:
            result = run_steer(
                model,
                principle,
                system_prompt=read_text_arg(system_prompt, "system prompt"),
                supports=values(supports),
                opposes=values(opposes),
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
            )
    except (InputError, BackendError) as exc:
        _fail(exc)
    summary = result.summary()
    _print_json(summary) if as_json else print_steer(summary, Console())


@app.command()
def compare(
    run_ids: Annotated[
        list[str], typer.Argument(help="Two or more run ids (or prefixes); the first is the reference.")
    ],
    html: Annotated[
        str | None, typer.Option("--html", help="Write the comparison report (one file per run after the first).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the paired bootstrap.")] = 0,
    n_boot: Annotated[int, typer.Option("--n-boot", help="Paired bootstrap resamples.")] = 1000,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare runs: utility differences per value and theory dimension, Holm, Spearman, Aitchison."""
    from pathlib import Path

    from valuelens import compare as compare_runs
    from valuelens._files import write_text
    from valuelens._study_output import print_comparison
    from valuelens.report import render_comparison_html

    try:
        result = compare_runs(run_ids, store=store, seed=seed, n_boot=n_boot)
    except InputError as exc:
        _fail(exc)
    summary = result.summary()
    if html:
        target, written = Path(html), []
        for i, pair in enumerate(result.pairs):
            path = (
                target if len(result.pairs) == 1 else target.with_name(f"{target.stem}-{pair.b.run_id}{target.suffix}")
            )
            try:
                written.append(str(write_text(path, render_comparison_html(result.html_data(i)), "report")))
            except (InputError, EnvironmentProblem) as exc:
                _fail(exc)
        summary["html"] = written
    if as_json:
        _print_json(summary)
        return
    print_comparison(summary, Console())
    for path in summary.get("html", []):
        Console().print(f"Report: {path}", highlight=False, soft_wrap=True)


@app.command()
def utilities(
    model: Annotated[
        str, typer.Option("--model", "-m", help="provider/model, e.g. llamacpp/gemma-3-270m, synthetic/default.")
    ] = DEFAULT_MODEL,
    outcomes: Annotated[
        str,
        typer.Option("--outcomes", help="core (bundled) or an outcome file: JSON {category: [outcome, ...]} or JSONL."),
    ] = "core",
    budget: Annotated[
        int | None, typer.Option("--budget", help="Training comparisons (pairs); default 2 N log2 N.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of pair selection, the held-out draw and every interval.")] = 0,
    samples: Annotated[int, typer.Option(help="Samples per prompt when the model gives no log-probabilities.")] = 10,
    holdout: Annotated[float, typer.Option(help="Held-out pairs as a share of the budget (coherence).")] = 0.1,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Only the first N outcomes.")] = None,
    system_prompt: Annotated[str | None, typer.Option("--system-prompt", help="TEXT or @FILE.")] = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    max_concurrency: MaxConcurrencyOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    report: ReportOpt = False,
) -> None:
    """Elicit preferences over outcomes (both orders, active pairs) and fit a utility to each."""
    from valuelens import fit_utilities
    from valuelens._utilities_run import print_utilities
    from valuelens.prompts import read_text_arg

    try:
        with _progress(err.is_terminal) as progress:
            result = fit_utilities(
                model,
                outcomes,
                budget=budget,
                seed=seed,
                samples=samples,
                holdout=holdout,
                limit=limit,
                system_prompt=read_text_arg(system_prompt, "system prompt"),
                store=store,
                progress=progress,
                base_url=base_url,
                timeout=timeout,
                max_concurrency=max_concurrency,
            )
    except (InputError, BackendError) as exc:
        _fail(exc)
    summary = result.summary()
    unwritten = None
    if report:
        from valuelens.report import write_report

        try:
            summary["report"] = str(write_report(result))
        except (InputError, EnvironmentProblem) as exc:
            unwritten = exc  # the results are printed first, then the error
    if as_json:
        _print_json(summary)
    else:
        print_utilities(summary, Console())
        if "report" in summary:
            Console().print(f"Report: {summary['report']}", highlight=False, soft_wrap=True)
    if unwritten is not None:
        _fail(unwritten)


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
    suite: Annotated[str, typer.Option("--suite", "-s", help="Bundled suite name or a JSONL/CSV file.")] = "core",
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Only the first N dilemmas.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for every random choice in the analysis.")] = 0,
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples.")] = 1000,
    samples: Annotated[int, typer.Option(help="Samples per prompt when the model gives no log-probabilities.")] = 10,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    html: Annotated[str | None, typer.Option("--html", help="Write the sweep report (HTML) to this file.")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run every model under a baseline and each persona/principle on the same dilemmas, and compare."""
    from valuelens import sweep as run_sweep
    from valuelens.prompts import read_text_arg

    try:
        with _progress(err.is_terminal) as progress:
            result = run_sweep(
                model,
                personas=persona or [],
                principles=principle or [],
                system_prompts=[read_text_arg(s, "system prompt") or "" for s in system_prompt or []],
                suite=suite,
                limit=limit,
                seed=seed,
                n_boot=n_boot,
                samples=samples,
                store=store,
                progress=progress,
                base_url=base_url,
                timeout=timeout,
            )
    except (InputError, BackendError) as exc:
        _fail(exc)
    summary = result.summary()
    if html:
        from valuelens.report._sweep_html import write_sweep_html

        summary["report"] = str(write_sweep_html(summary, html))
    if as_json:
        _print_json(summary)
        return
    out = Console()
    for s in summary["shifts"]:
        moved = ", ".join(f"{v['value']} {v['difference']:+.2f}" for v in s["significant"]) or s.get("error", "none")
        out.print(
            f"{s['model']} | {s['condition']}: {len(s['significant'])} values moved (Holm): {moved}", highlight=False
        )
    for s in summary["steerability"]:
        effect = "n/a" if s["effect"] is None else f"{s['effect']:+.2f} [{s['ci_low']:+.2f}, {s['ci_high']:+.2f}]"
        out.print(f"{s['model']} | {s['condition']}: steering effect {effect} ({s['verdict']})", highlight=False)
    if html:
        out.print(f"Report: {summary['report']}", highlight=False, soft_wrap=True)


store_app = typer.Typer(no_args_is_help=True, help="Check a store, and copy what is readable out of a damaged one.")
app.add_typer(store_app, name="store")


@store_app.command("check")
def store_check(
    path: Annotated[
        str | None, typer.Argument(help="Store file (default $VALUELENS_STORE or ./.valuelens/store.sqlite).")
    ] = None,
    salvage: Annotated[
        str | None, typer.Option("--salvage", metavar="OUT", help="Copy every readable row into a new store OUT.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Report whether a store is sound (exit 0) or damaged (exit 1); --salvage copies what is readable."""
    from valuelens.store import check_store, resolve_store_path, salvage_store

    try:
        target = resolve_store_path(path)
        found = salvage_store(target, salvage) if salvage is not None else check_store(target)
    except (InputError, EnvironmentProblem) as exc:
        _fail(exc)
    if as_json:
        _print_json(
            {
                "store": str(found.path),
                "ok": found.ok,
                "problems": found.problems,
                "rows": found.rows,
                "salvaged": str(found.salvaged) if found.salvaged else None,
                "copied": found.copied,
            }
        )
    else:
        state = "sound" if found.ok else "DAMAGED"
        rows = ", ".join(f"{t} {n}" for t, n in found.rows.items()) or "none"
        sys.stdout.write(f"{found.path}: {state}; readable rows: {rows}\n")
        for line in found.problems[:20]:
            sys.stdout.write(f"  {line}\n")
        if found.salvaged is not None:
            copied = ", ".join(f"{t} {n}" for t, n in found.copied.items())
            sys.stdout.write(f"Salvaged into {found.salvaged} ({copied}); use it with --store {found.salvaged}\n")
        elif not found.ok:
            sys.stdout.write(f"Copy what is readable: valuelens store check {found.path} --salvage NEW.sqlite\n")
    raise typer.Exit(0 if found.ok or found.salvaged is not None else 1)


def main() -> None:
    from valuelens.errors import Interrupted

    try:
        app()  # (typer turns a Ctrl-C outside a run's prompts into a silent exit 130)
    except (InputError, BackendError, EnvironmentProblem, Interrupted) as exc:  # outside a command's own try
        try:
            _fail(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)


if __name__ == "__main__":
    main()

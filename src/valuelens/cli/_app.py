"""The typer app, its one error boundary, and what every command shares (progress bar, JSON printing)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from typer.core import TyperGroup

from valuelens.errors import Interrupted, ValuelensError

err = Console(stderr=True, emoji=False)


def user_error_code(exc: BaseException) -> int | None:
    """The exit code of an error a user can cause: any class from `valuelens.errors` with an integer
    `exit_code` (InputError 2, BackendError 3, and any class added there later); None for a bug."""
    code = getattr(exc, "exit_code", None)
    mine = any(cls.__module__ == "valuelens.errors" for cls in type(exc).__mro__)
    return code if mine and isinstance(code, int) and not isinstance(code, bool) else None


def report_user_error(exc: BaseException, code: int) -> None:
    """One plain, unwrapped line per problem on stderr (secrets scrubbed), then exit with `code`."""
    from valuelens.backends._secrets import scrub

    lines = [scrub(line) for line in (exc.render() if isinstance(exc, ValuelensError) else [str(exc)])]
    sys.stderr.write("".join(f"{line}\n" for line in lines))
    raise typer.Exit(code)


class _Commands(TyperGroup):
    """The command group: every command runs inside the one error boundary."""

    def invoke(self, ctx: Any) -> Any:  # a click context (typer vendors click: no import of its own)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # Ctrl-C outside the prompt loop (which raises Interrupted with its counts)
            report_user_error(Interrupted(), Interrupted.exit_code)
        except Exception as exc:
            code = user_error_code(exc)
            if code is None:
                raise
            report_user_error(exc, code)


app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=True,
    help="Which values does a language model put first?",
    pretty_exceptions_show_locals=False,  # locals may hold API keys
)


@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[Callable[[int, int], None] | None]:
    """A transient progress bar on stderr (when it is a terminal), as a (done, total) callback."""
    if not (err.is_terminal if enabled is None else enabled):
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


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=float) + "\n")


def print_report_path(path: Any) -> None:
    Console(emoji=False).print(f"Report: {path}", highlight=False, soft_wrap=True)


def exit_for_failures(result: Any, strict: bool) -> None:
    """Exit 1 (after the results are printed) when every prompt asked failed, or any did with --strict."""
    inv, failures = result.invocation, result.failures
    if inv is None or not failures:
        return
    answered = inv.cached_calls + inv.model_calls - inv.failed
    if strict or answered <= 0:
        first = next(iter(failures.values()))
        sys.stderr.write(f"{len(failures)} prompts failed (e.g. {first}); rerun the same command to ask them again\n")
        raise typer.Exit(1)


def check_report_folder(report: bool) -> None:
    """With `--report`, find before the run that the report (./valuelens-RUN_ID.html) cannot be written.

    Raises:
        EnvironmentProblem: the current folder is not writable.
    """
    if report:
        from valuelens._io import check_folder

        check_folder(".")


def emit(result: Any, as_json: bool, printer: Callable[[dict[str, Any], Console], None], report: bool = False) -> None:
    """Print a result's summary as JSON or through `printer`; with `report`, also write its HTML page.

    A report that cannot be written does not lose the results: they are printed, then its error is raised.
    """
    summary = result.summary()
    unwritten: ValuelensError | None = None
    if report:
        from valuelens.report import write_report

        try:
            summary["report"] = str(write_report(result))
        except ValuelensError as exc:
            unwritten = exc
    if as_json:
        print_json(summary)
    else:
        printer(summary, Console(emoji=False))
        if "report" in summary:
            print_report_path(summary["report"])
    if unwritten is not None:
        raise unwritten


@contextmanager
def at_scale(
    as_json: bool, prices: str | None = None, batch: bool = False, dry_run: bool = False, max_cost: float | None = None
) -> Iterator[None]:
    """Run a study command with --prices, --batch, --dry-run and --max-cost; a dry run prints its plan and exits 0."""
    from valuelens.backends import use_prices
    from valuelens.report._listings import print_plain
    from valuelens.runner import PlanReady, scaled

    if prices is not None:
        use_prices(prices)  # before any backend is made; a bad file is an InputError (exit 2)
    try:
        with scaled(batch, dry_run, max_cost):
            yield
    except PlanReady as done:
        print_json(done.plan.to_dict()) if as_json else print_plain(done.plan.lines(), Console(emoji=False))
        raise typer.Exit(0) from None
    finally:
        if prices is not None:
            use_prices(None)

"""The typer app, its one error boundary, and what every command shares (progress bar, JSON printing)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from typer.core import TyperGroup

from valuelens.errors import InputError

err = Console(stderr=True)


def user_error_code(exc: BaseException) -> int | None:
    """The exit code of an error a user can cause: any class from `valuelens.errors` with an integer
    `exit_code` (InputError 2, BackendError 3, and any class added there later); None for a bug."""
    code = getattr(exc, "exit_code", None)
    mine = any(cls.__module__ == "valuelens.errors" for cls in type(exc).__mro__)
    return code if mine and isinstance(code, int) and not isinstance(code, bool) else None


def report_user_error(exc: BaseException, code: int) -> None:
    """One plain, unwrapped line per problem on stderr (secrets scrubbed), then exit with `code`."""
    from valuelens.backends._secrets import scrub

    lines = exc.render() if isinstance(exc, InputError) else [scrub(str(exc))]
    sys.stderr.write("".join(f"{line}\n" for line in lines))
    raise typer.Exit(code)


class _Commands(TyperGroup):
    """The command group: every command runs inside the one error boundary."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
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
    Console().print(f"Report: {path}", highlight=False, soft_wrap=True)


def emit(result: Any, as_json: bool, printer: Callable[[dict[str, Any], Console], None], report: bool = False) -> None:
    """Print a result's summary as JSON or through `printer`; with `report`, write its HTML page first."""
    summary = result.summary()
    if report:
        from valuelens.report import write_report

        summary["report"] = str(write_report(result))
    if as_json:
        print_json(summary)
        return
    printer(summary, Console())
    if report:
        print_report_path(summary["report"])

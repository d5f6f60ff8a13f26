"""The `valuelens store` group: commands over the store file itself (check; more may join the group)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from valuelens.cli._app import app, print_json
from valuelens.cli._options import JsonOpt

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
    from valuelens.report import print_store_check
    from valuelens.store import check_store, resolve_store_path, salvage_store

    target = resolve_store_path(path)
    found = salvage_store(target, salvage) if salvage is not None else check_store(target)
    print_json(found.summary()) if as_json else print_store_check(found.summary(), Console())
    raise typer.Exit(0 if found.ok or found.salvaged is not None else 1)

"""The `valuelens store` group: commands over store files (merge, check)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from valuelens.cli._app import app, print_json
from valuelens.cli._options import JsonOpt

store_app = typer.Typer(
    no_args_is_help=True,
    help="Work on store files: merge stores, check one and copy what is readable out of a damaged one.",
)
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
    print_json(found.summary()) if as_json else print_store_check(found.summary(), Console(emoji=False))
    raise typer.Exit(0 if found.ok or found.salvaged is not None else 1)


@store_app.command("merge")
def store_merge(
    out: Annotated[str, typer.Argument(help="The new store to write (must not exist).")],
    stores: Annotated[list[str], typer.Argument(help="Two or more stores to combine (e.g. the shards of a run).")],
) -> None:
    """Combine stores written on several machines: equal responses kept once, conflicting runs refused."""
    from valuelens.store import merge_stores

    m = merge_stores(out, list(stores))
    Console(emoji=False).print(
        f"{m.out}: {m.responses} responses ({m.duplicates} duplicates dropped, {m.differing} answered differently: "
        f"first kept), {m.runs} runs ({m.complete} complete)",
        highlight=False,
        soft_wrap=True,
        markup=False,  # store paths are user text
    )

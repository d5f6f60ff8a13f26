"""The `store` group: commands over store files (merge)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from valuelens.cli._app import app

store_app = typer.Typer(no_args_is_help=True, help="Work on store files.")
app.add_typer(store_app, name="store")


@store_app.command("merge")
def store_merge(
    out: Annotated[str, typer.Argument(help="The new store to write (must not exist).")],
    stores: Annotated[list[str], typer.Argument(help="Two or more stores to combine (e.g. the shards of a run).")],
) -> None:
    """Combine stores written on several machines: equal responses kept once, conflicting runs refused."""
    from valuelens.store import merge_stores

    m = merge_stores(out, list(stores))
    Console().print(
        f"{m.out}: {m.responses} responses ({m.duplicates} duplicates dropped, {m.differing} answered differently: "
        f"first kept), {m.runs} runs ({m.complete} complete)",
        highlight=False,
        soft_wrap=True,
    )

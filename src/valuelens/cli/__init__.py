"""The `valuelens` command: thin typer modules over the Python API, one per group of commands.

Every command runs inside one error boundary (`_app`): an error from `valuelens.errors` prints one line per
problem and exits with its `exit_code`; anything else is a bug and shows its traceback.
"""

from valuelens.cli import _annotate, _drift, _runs, _store, _studies, _utilities  # noqa: F401  (each registers its commands on `app`)
from valuelens.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    app()

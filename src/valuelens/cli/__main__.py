"""`python -m valuelens.cli`: the same as the `valuelens` command."""

from valuelens.cli import main

main()

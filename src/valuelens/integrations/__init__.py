"""Bridges to the tools researchers already use; each needs its own optional extra.

- `valuelens.integrations.inspect`: Inspect tasks `valuelens/dilemmas` and `valuelens/outcomes`
  (registered through Inspect's entry points) and `import_inspect`, which turns an Inspect log into a
  valuelens run. Needs `pip install 'valuelens[inspect]'`.
"""

from valuelens.integrations.inspect import import_inspect

__all__ = ["import_inspect"]

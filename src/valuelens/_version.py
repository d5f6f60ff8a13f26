"""The version of valuelens (its own module, so that studies can import it without a cycle)."""

__version__ = "0.1.0"

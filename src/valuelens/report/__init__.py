"""Outputs: terminal tables, JSON, (later) HTML report and exports."""

from valuelens.report._terminal import bias_sentence, print_run, values_table

__all__ = ["bias_sentence", "print_run", "values_table"]

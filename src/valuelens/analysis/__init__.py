"""Pure statistics over choice tables: scores, utilities, intervals, reliability, comparison."""

from valuelens.analysis._table import ChoiceTable

__all__ = ["ChoiceTable"]

"""The choice table: what the model chose in every dilemma, in both option orders."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ChoiceTable:
    """Soft choices of one run, one row per asked dilemma variant.

    Attributes:
        item_ids: (n,) dilemma ids; a paraphrase row carries the id of its source dilemma.
        variants: (n,) 0 for the original wording, k >= 1 for the k-th paraphrase.
        values_a: (n,) the lexicon values of action A of each row.
        values_b: (n,) the lexicon values of action B.
        p_a_first: (n,) P(choose A) when A is listed first; NaN when that order has no answer.
        p_a_second: (n,) P(choose A) when A is listed second; NaN when missing.
    """

    item_ids: list[str]
    variants: np.ndarray
    values_a: list[tuple[str, ...]]
    values_b: list[tuple[str, ...]]
    p_a_first: np.ndarray
    p_a_second: np.ndarray
    domains: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.item_ids)
        for name in ("variants", "values_a", "values_b", "p_a_first", "p_a_second"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"ChoiceTable.{name} has {len(getattr(self, name))} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.item_ids)

    @property
    def p_a(self) -> np.ndarray:
        """P(choose A) averaged over the orders that have an answer; NaN if neither has."""
        both = np.vstack([self.p_a_first, self.p_a_second])
        with np.errstate(invalid="ignore"):
            counts = np.sum(~np.isnan(both), axis=0)
            sums = np.nansum(both, axis=0)
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    @property
    def complete(self) -> np.ndarray:
        """Boolean mask of rows answered in both orders."""
        return ~np.isnan(self.p_a_first) & ~np.isnan(self.p_a_second)

    def originals(self) -> ChoiceTable:
        """Only the original-wording rows (variant 0)."""
        return self.subset(np.flatnonzero(self.variants == 0))

    def subset(self, rows: np.ndarray | list[int]) -> ChoiceTable:
        """Rows in the given order (repeats allowed, e.g. for the bootstrap)."""
        idx = np.asarray(rows, dtype=int)
        return ChoiceTable(
            item_ids=[self.item_ids[i] for i in idx],
            variants=self.variants[idx],
            values_a=[self.values_a[i] for i in idx],
            values_b=[self.values_b[i] for i in idx],
            p_a_first=self.p_a_first[idx],
            p_a_second=self.p_a_second[idx],
            domains=[self.domains[i] for i in idx] if self.domains else [],
        )

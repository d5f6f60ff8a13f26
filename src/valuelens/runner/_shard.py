"""`--shard I/N`: which share of a run's prompts this machine asks, so N machines split one run.

The share is a pure function of the item id (a hash, not the item's position), so it does not
depend on the suite's order or on which machine computes it, and both option orders and every
paraphrase of a dilemma land in the same shard (a server can then share their prefix). The run's
identity does not include the shard: every shard records the same run, and `valuelens store merge`
joins the shards' stores into the whole run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from valuelens.errors import InputError

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, item_id: str) -> bool:
        """Whether this shard asks the prompts of `item_id`."""
        h = int.from_bytes(hashlib.sha256(item_id.encode()).digest()[:8], "big")
        return h % self.count == self.index - 1


def parse_shard(text: str | Shard | None) -> Shard | None:
    """ "I/N" (1 <= I <= N) -> Shard; None -> None.

    Raises:
        InputError: anything else, as one line.
    """
    if text is None or isinstance(text, Shard):
        return text
    i, sep, n = text.strip().partition("/")
    try:
        shard = Shard(int(i), int(n)) if sep else None
    except ValueError:
        shard = None
    if shard is None or not 1 <= shard.index <= shard.count:
        raise InputError(f"--shard: expected I/N with 1 <= I <= N (e.g. 2/4), got '{text}'")
    return shard


def in_shard(jobs: Iterable[tuple[T, str]], item_of: str, shard: Shard | None) -> list[tuple[T, str]]:
    """The (job, key) pairs whose job's `item_of` attribute (the item id) falls in `shard` (all if None)."""
    if shard is None:
        return list(jobs)
    return [(j, k) for j, k in jobs if shard.holds(str(getattr(j, item_of)))]

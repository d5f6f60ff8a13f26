"""Measurement apparatus for bench/bench_batch_invariance.py: cross-prompt batching laid out so that every
`llama_decode` uses the same CPU kernels as one-prompt-at-a-time evaluation (see bench/NUMERICS.md).

What one-at-a-time evaluation computes with, on ggml's CPU backend (x86, extra buffer types off):
  * every matrix product over the ubatch's rows with at least 8 rows (K-quant weights take another
    kernel below 8 rows, which rounds differently), except the last layer's feed-forward, which runs on
    the single output row (fewer than 8 rows);
  * attention with at least 2 query rows per KV stream (1 row takes another F16 kernel);
  * each prompt's KV cells at the same cell indices (sums over the cache run in lanes by cell index).
So here: a group of at most 7 prompts (at most 7 output rows per decode), one KV stream each; each tree
node (a chunk below the shared ones) is cut from its end into pieces of `piece` tokens plus one first
piece of `piece` to 2*`piece`-1 tokens; a decode holds pieces of one length only, one per stream, so
llama.cpp's equal split keeps it in one ubatch (no ragged ubatches of 1 token per stream). Pieces run
right-aligned: every prompt's last piece (its output row) is in the group's last decode of a level.
"""

from __future__ import annotations

import numpy as np
from _streams import Node, TreeScorer

MAX_OUTPUTS = 7  # K-quant products switch kernels at 8 rows; the last layer runs on the output rows only


def cut_right(n: int, piece: int) -> list[int]:
    """Lengths of `n` tokens cut from the end into `piece`-sized pieces, the first one longer (< 2*piece)."""
    if n < 2 * piece:
        return [n]
    k = n // piece - 1
    return [n - k * piece] + [piece] * k


class LockstepScorer(TreeScorer):
    """Label log-probabilities of up to 7 prompts per decode, numerically the same as one at a time."""

    def __init__(
        self, llm: object, group: int = MAX_OUTPUTS, piece: int = 8, per_seq: int = 512, greedy: bool = False
    ) -> None:
        super().__init__(llm, group, per_seq, max(512, group * 2 * piece))
        self.piece, self.greedy = piece, greedy

    def _run_level(self, level: list[Node]) -> dict[int, np.ndarray]:
        return self._run_greedy(level) if self.greedy else self._run_aligned(level)

    def _run_aligned(self, level: list[Node]) -> dict[int, np.ndarray]:
        """First pieces batched by equal length, then the `piece`-token rounds right-aligned (every node's
        last piece in the level's last decode)."""
        cuts = {s: cut_right(len(toks), self.piece) for s, _, toks, _ in level}
        rounds = max(len(c) - 1 for c in cuts.values())
        firsts: dict[int, list[Node]] = {}
        for s, start, toks, read in level:
            n0 = cuts[s][0]
            firsts.setdefault(n0, []).append((s, start, toks[:n0], read and len(cuts[s]) == 1))
        logits: dict[int, np.ndarray] = {}
        for nodes in firsts.values():
            logits.update(self._decode(nodes))
        for r in range(rounds):
            nodes = []
            for s, start, toks, read in level:
                k = len(cuts[s]) - 1  # this node's fixed-size pieces
                j = r - (rounds - k)
                if j < 0:
                    continue
                a = cuts[s][0] + j * self.piece
                nodes.append((s, start + a, toks[a : a + self.piece], read and j == k - 1))
            logits.update(self._decode(nodes))
        return logits

    def _run_greedy(self, level: list[Node]) -> dict[int, np.ndarray]:
        """Rounds of one length: the shortest remainder, taken from every node except those it would leave
        with exactly 1 token (they sit the round out), so no decode has a stream with a single row. Rows
        per decode are not bounded below: exact only where the K-quant product does not depend on the
        row count (GGML_CPU_TILED_MM_FORCE=1)."""
        done = {s: 0 for s, _, _, _ in level}
        logits: dict[int, np.ndarray] = {}
        while True:
            rem = {s: len(toks) - done[s] for s, _, toks, _ in level if len(toks) > done[s]}
            if not rem:
                return logits
            n = min(rem.values())
            nodes = []
            for s, start, toks, read in level:
                if s in rem and rem[s] - n != 1:
                    a = done[s]
                    nodes.append((s, start + a, toks[a : a + n], read and rem[s] == n))
                    done[s] += n
            logits.update(self._decode(nodes))


__all__ = ["MAX_OUTPUTS", "LockstepScorer", "cut_right"]

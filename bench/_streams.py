"""Measurement apparatus for bench/bench_batch_invariance.py: several prompts per `llama_decode`.

Each prompt of a group gets its own KV stream (llama.cpp's non-unified cache, one sequence per
prompt); the chunks that all prompts share stay in stream 0 and are copied into each prompt's
stream; below them the prompts' chunks form a tree evaluated level by level, a node computed once in
the stream of the first prompt through it and copied to the others. Attention sees exactly a
prompt's own cells, in the same order as a one-prompt evaluation; what differs is only which tokens
share a llama_decode (and so the shapes of the matrix products). Not used by valuelens itself: the
benchmark shows why (the engine's numbers depend on those shapes).
"""

from __future__ import annotations

import numpy as np

from valuelens.backends.llamacpp._logprobs import Chunks, log_softmax_at

RESIDENT = 0  # the sequence that keeps the shared chunks between calls
Node = tuple[int, int, tuple[int, ...], bool]
"""(stream, start position, tokens, read the logits after the last token)"""


def _common(prompts: list[Chunks]) -> int:
    """How many leading chunks all prompts share, never a prompt's last chunk."""
    n = min(len(c) for c in prompts) - 1
    first = prompts[0]
    for k in range(max(n, 0)):
        if any(c[k] != first[k] for c in prompts[1:]):
            return k
    return max(n, 0)


class TreeScorer:
    """Label log-probabilities of many prompts per decode, one KV stream per prompt."""

    def __init__(self, llm: object, n_seq: int, per_seq: int, n_ubatch: int) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self._lib = llama_cpp
        params = llama_cpp.llama_context_params.from_buffer_copy(llm.context_params)  # type: ignore[attr-defined]
        params.n_seq_max = n_seq + 1
        params.n_ctx = per_seq * (n_seq + 1)
        params.n_batch = params.n_ctx
        params.n_ubatch = n_ubatch
        params.kv_unified = False
        self.n_seq, self.per_seq = n_seq, per_seq
        self._ctx = _internals.LlamaContext(model=llm._model, params=params, verbose=False)  # type: ignore[attr-defined]
        self._mem = self._ctx.memory
        self._batch = llama_cpp.llama_batch_init(params.n_ctx, 0, 1)
        self._n_vocab = llm.n_vocab()  # type: ignore[attr-defined]
        self._resident: Chunks = ()
        self.decodes = 0
        self.tokens = 0

    def forget(self) -> None:
        self._lib.llama_memory_clear(self._mem, True)
        self._resident = ()

    def close(self) -> None:
        if self._batch is not None:
            self._lib.llama_batch_free(self._batch)
            self._batch = None
        self._ctx.close()

    def fits(self, chunks: Chunks) -> bool:
        return sum(map(len, chunks)) <= self.per_seq

    def score(self, prompts: list[Chunks], ids: list[int]) -> list[list[float]]:
        """Log-probabilities of the label token ids after each prompt (each must fit a stream)."""
        out: list[list[float]] = []
        for i in range(0, len(prompts), self.n_seq):
            out += self._score_group(prompts[i : i + self.n_seq], ids)
        return out

    def _score_group(self, prompts: list[Chunks], ids: list[int]) -> list[list[float]]:
        lib, mem = self._lib, self._mem
        common = _common(prompts)
        keep = 0
        for old, new in zip(self._resident, prompts[0][:common], strict=False):
            if old != new:
                break
            keep += 1
        pos = sum(map(len, self._resident[:keep]))
        lib.llama_memory_seq_rm(mem, RESIDENT, pos, -1)
        for k in range(keep, common):  # the new shared chunks, into the resident stream
            self._decode([(RESIDENT, pos, prompts[0][k], False)])
            pos += len(prompts[0][k])
        self._resident = prompts[0][:common]
        for s in range(1, self.n_seq + 1):
            lib.llama_memory_seq_rm(mem, s, -1, -1)
        # level by level below the shared chunks: a node is computed once, in the stream of the first
        # prompt through it; a prompt whose stream does not hold its parent gets a copy of the parent's
        owner: dict[tuple[Chunks, int], int] = {}
        depth = max(len(c) for c in prompts)
        out: list[list[float]] = [[] for _ in prompts]
        for k in range(common, depth):
            level: list[Node] = []
            for i, c in enumerate(prompts):
                if k >= len(c):
                    continue
                s = i + 1
                parent = RESIDENT if k == common else owner[(c[:k], k - 1)]
                key = (c[: k + 1], k)
                if key not in owner:
                    owner[key] = s
                    if parent != s:
                        lib.llama_memory_seq_cp(mem, parent, s, -1, -1)
                    last = k == len(c) - 1
                    level.append((s, sum(map(len, c[:k])), c[k], last))
            logits = self._run_level(level)
            for i, c in enumerate(prompts):
                if k == len(c) - 1:
                    out[i] = log_softmax_at(logits[owner[(c, k)]], ids)
        return out

    def _run_level(self, level: list[Node]) -> dict[int, np.ndarray]:
        """Evaluate a level's nodes (all in one llama_decode here); the logits of each stream that reads."""
        return self._decode(level)

    def _decode(self, nodes: list[Node]) -> dict[int, np.ndarray]:
        """One llama_decode of (stream, start position, tokens, read logits at the end) nodes; returns the
        logits of each stream that reads them."""
        b, n, where = self._batch, 0, {}
        for seq, start, tokens, read in nodes:
            for j, tok in enumerate(tokens):
                b.token[n] = tok
                b.pos[n] = start + j
                b.n_seq_id[n] = 1
                b.seq_id[n][0] = seq
                b.logits[n] = read and j == len(tokens) - 1
                n += 1
            if read:
                where[seq] = n - 1
        b.n_tokens = n
        rc = self._lib.llama_decode(self._ctx.ctx, b)
        if rc != 0:
            self.forget()
            raise RuntimeError(f"llama_decode returned {rc} for {n} tokens")
        self.decodes += 1
        self.tokens += n
        out = {}
        for seq, index in where.items():
            ptr = self._lib.llama_get_logits_ith(self._ctx.ctx, index)
            out[seq] = np.ctypeslib.as_array(ptr, shape=(self._n_vocab,)).copy()
        return out


__all__ = ["RESIDENT", "Node", "TreeScorer"]

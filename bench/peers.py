"""The field's own ways of asking a model to choose, run on valuelens's in-process engine for comparison.

- DailyDilemmas protocol: each prompt greedy-generated (up to 5 tokens), the answer parsed; each prompt
  computed in full, as independent requests are (`share_prefix=True`: llama-cpp-python's own cache
  reuses the prefix the previous prompt shares, a help the protocol's own code does not have).
- lm-evaluation-harness style: one log-likelihood request per label (prompt + label), no prefix shared
  between requests; one request per llama_decode. The context is the token sequence valuelens scores
  the label after, so the two must agree on P (a check on both).
"""

from __future__ import annotations

import ctypes
from itertools import chain

import numpy as np

from valuelens.backends.llamacpp import LlamaCppBackend, log_softmax_at
from valuelens.prompts import Prompt
from valuelens.runner import parse_choice

PACK = 1
"""Requests per llama_decode: one, as the harness's default batch size (the context holds one sequence)."""


def dailydilemmas_protocol(
    backend: LlamaCppBackend, prompts: list[Prompt], share_prefix: bool = False
) -> tuple[list[float], int]:
    """1.0 / 0.0 / 0.5 for the first-listed option picked / the other / no label; tokens computed
    (with share_prefix an upper bound: llama-cpp-python reuses the common prefix)."""
    out, tokens = [], 0
    for p in prompts:
        if not share_prefix:
            backend.forget()
        text = backend.complete(p.text, max_tokens=5, temperature=0.0, seed=0)
        pick = parse_choice(text, p.labels)
        out.append(0.5 if pick is None else float(pick == p.labels[0]))
        tokens += len(backend.tokenize(p.text)) + 5
    return out, tokens


def harness_style(backend: LlamaCppBackend, prompts: list[Prompt]) -> tuple[list[list[float]], int]:
    """log P(label | prompt) for each label of each prompt, every request computed in full; tokens computed."""
    import llama_cpp

    backend.forget()
    llm = backend._llm  # the same loaded model and context
    ctx, mem, n_vocab = llm._ctx.ctx, llama_cpp.llama_get_memory(llm._ctx.ctx), llm.n_vocab()
    # the same context tokens valuelens scores the label after (its chunks, joined), so both compute
    # the same P: the harness differs only in asking once per label with nothing shared
    requests = [
        (i, j, [*chain(*backend.chunks(p)), backend.label_id(lab)])
        for i, p in enumerate(prompts)
        for j, lab in enumerate(p.labels)
    ]
    lps = [[0.0] * len(p.labels) for p in prompts]
    batch = llama_cpp.llama_batch_init(max(len(r[2]) for r in requests) * PACK, 0, 1)
    llama_cpp.llama_memory_clear(mem, True)  # generation may have left cells that forget() does not drop
    try:
        k = 0
        while k < len(requests):
            n, rows = 0, []
            while k < len(requests) and len(rows) < PACK:
                i, j, toks = requests[k]
                for pos, t in enumerate(toks):
                    batch.token[n], batch.pos[n], batch.n_seq_id[n] = t, pos, 1
                    batch.seq_id[n][0] = len(rows)
                    batch.logits[n] = pos == len(toks) - 2  # the prediction of the label token
                    n += 1
                rows.append((i, j, n - 2))
                k += 1
            batch.n_tokens = n
            if llama_cpp.llama_decode(ctx, batch) != 0:
                raise RuntimeError("llama_decode failed")
            for i, j, row in rows:
                ptr = ctypes.cast(llama_cpp.llama_get_logits_ith(ctx, row), ctypes.POINTER(ctypes.c_float))
                label_id = backend.label_id(prompts[i].labels[j])
                lps[i][j] = log_softmax_at(np.ctypeslib.as_array(ptr, shape=(n_vocab,)), [label_id])[0]
            llama_cpp.llama_memory_clear(mem, True)
    finally:
        llama_cpp.llama_batch_free(batch)
        backend.forget()
    return lps, sum(len(r[2]) for r in requests)

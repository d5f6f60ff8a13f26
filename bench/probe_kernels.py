"""Which operation makes a row's result depend on the decode's shape? (evidence for bench/NUMERICS.md)

    python bench/probe_kernels.py [--prompt 0] [--offsets-limit 20]

1. Tails: the core suite's prompt --prompt evaluated whole in one llama_decode, and with its last k
   tokens (k = 1..10) in a decode of their own. Every F32 node of the last decode is copied through
   llama.cpp's graph callback (cb_eval); for chosen layer-0 nodes it prints whether the last token's
   values are bit-identical to the whole-prompt decode's.
2. Cell offsets: the first --offsets-limit prompts, chunk by chunk, in a unified KV cache after another
   sequence's D cells (so the prompt's cells start at D); bit-identical log-probabilities against the
   prompt alone, per D.
Not used by valuelens; 1 llama.cpp thread, the backend's engine settings.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform

import numpy as np

import valuelens
from valuelens.backends.llamacpp import LlamaCppBackend
from valuelens.backends.llamacpp._logprobs import Chunks, log_softmax_at
from valuelens.prompts import LABELS, Condition, dilemma_jobs

WATCH = ("kqv_out-0", "node_34", "ffn_geglu-0", "ffn_out-0")  # node_34: layer 0's attn_output product


class Tensor(ctypes.Structure):
    """The head of ggml's struct ggml_tensor (this build: 4 dims, 64 bytes of op params, 10 sources)."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("buffer", ctypes.c_void_p),
        ("ne", ctypes.c_int64 * 4),
        ("nb", ctypes.c_size_t * 4),
        ("op", ctypes.c_int),
        ("op_params", ctypes.c_int32 * 16),
        ("flags", ctypes.c_int32),
        ("src", ctypes.c_void_p * 10),
        ("view_src", ctypes.c_void_p),
        ("view_offs", ctypes.c_size_t),
        ("data", ctypes.c_void_p),
        ("name", ctypes.c_char * 64),
    ]


class Probe:
    """A context on the backend's model that can record the F32 nodes of its decodes."""

    def __init__(self, llm: object, n_seq: int = 1, unified: bool = False) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self.lib, self.recording = llama_cpp, False
        self.nodes: dict[str, tuple[tuple[int, ...], np.ndarray]] = {}
        self._cb = llama_cpp.ggml_backend_sched_eval_callback(self._record)
        p = llama_cpp.llama_context_params.from_buffer_copy(llm.context_params)  # type: ignore[attr-defined]
        p.n_seq_max, p.kv_unified, p.cb_eval = n_seq, unified, self._cb
        self.ctx = _internals.LlamaContext(model=llm._model, params=p, verbose=False)  # type: ignore[attr-defined]
        self.batch = llama_cpp.llama_batch_init(p.n_batch, 0, 1)
        self.n_vocab = llm.n_vocab()  # type: ignore[attr-defined]

    def _record(self, t: int, ask: bool, _: int) -> bool:
        if ask or not self.recording:
            return True
        x = Tensor.from_address(t)
        name = x.name.decode()
        if x.type == 0 and x.data and name in WATCH:
            ne, nb = tuple(x.ne), tuple(x.nb)
            span = sum((e - 1) * s for e, s in zip(ne, nb, strict=True)) + 4
            raw = np.frombuffer((ctypes.c_char * span).from_address(x.data), dtype=np.float32)
            self.nodes[name] = (ne, np.lib.stride_tricks.as_strided(raw, ne[::-1], nb[::-1]).copy())
        return True

    def decode(self, tokens: list[int], start: int, seq: int = 0, read: bool = True) -> np.ndarray | None:
        b = self.batch
        for j, tok in enumerate(tokens):
            b.token[j], b.pos[j], b.n_seq_id[j], b.logits[j] = tok, start + j, 1, read and j == len(tokens) - 1
            b.seq_id[j][0] = seq
        b.n_tokens = len(tokens)
        if self.lib.llama_decode(self.ctx.ctx, b) != 0:
            raise RuntimeError("llama_decode failed")
        if not read:
            return None
        ptr = self.lib.llama_get_logits_ith(self.ctx.ctx, len(tokens) - 1)
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)).copy()

    def clear(self) -> None:
        self.lib.llama_memory_clear(self.ctx.memory, True)

    def run(self, pieces: list[list[int]], seq: int = 0, start: int = 0, record_last: bool = False) -> np.ndarray:
        """Decode consecutive pieces of one sequence (one decode each) after what the cache holds."""
        logits = None
        for k, piece in enumerate(pieces):
            self.recording = record_last and k == len(pieces) - 1
            logits = self.decode(piece, start, seq)
            start += len(piece)
        self.recording = False
        assert logits is not None
        return logits

    def close(self) -> None:
        self.lib.llama_batch_free(self.batch)
        self.ctx.close()


def last_token(ne: tuple[int, ...], x: np.ndarray, n: int) -> np.ndarray:
    """The last token's values: the slice along the first dimension of size n (the ubatch's tokens)."""
    dims = [i for i in range(4) if ne[i] == n]
    return x if not dims else np.take(x, [-1], axis=3 - dims[0])


def tails(backend: LlamaCppBackend, chunks: Chunks) -> None:
    flat = [t for piece in chunks for t in piece]
    probe = Probe(backend._llm)
    probe.clear()
    whole = probe.run([flat], record_last=True)
    ref = dict(probe.nodes)
    print(f"1. prompt of {len(flat)} tokens, whole vs last k tokens in a decode of their own (last token, layer 0)")
    for k in range(1, 11):
        probe.clear()
        logits = probe.run([flat[:-k], flat[-k:]], record_last=True)
        marks = []
        for name in WATCH:
            (ea, xa), (eb, xb) = ref[name], probe.nodes[name]
            same = np.array_equal(last_token(ea, xa, len(flat)), last_token(eb, xb, k))
            marks.append(f"{name} {'same' if same else 'DIFFERS'}")
        print(f"   k={k:2d}: logits {'same' if np.array_equal(whole, logits) else 'DIFFER'}; " + ", ".join(marks))
    probe.close()


def offsets(backend: LlamaCppBackend, prompts: list[Chunks]) -> None:
    ids = [backend.label_id(lab) for lab in LABELS]
    ref = []
    for c in prompts:
        backend.forget()
        ref += backend.score_chunks([c], list(LABELS))
    probe = Probe(backend._llm, n_seq=2, unified=True)
    print(f"2. {len(prompts)} prompts in a unified cache after another sequence's D cells")
    for d in (0, 16, 32, 5, 8, 24):
        same = 0
        for c, r in zip(prompts, ref, strict=True):
            probe.clear()
            if d:
                probe.decode([2 + j % 50 for j in range(d)], 0, seq=1, read=False)
            same += log_softmax_at(probe.run([list(p) for p in c]), ids) == r
        print(f"   D={d:2d}: {same} of {len(prompts)} bit-identical")
    probe.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--prompt", type=int, default=0)
    ap.add_argument("--offsets-limit", type=int, default=20)
    args = ap.parse_args()
    backend = LlamaCppBackend(n_threads=1)
    n = max(args.prompt + 1, args.offsets_limit)
    jobs = dilemma_jobs(valuelens.load_suite("core").dilemmas[: (n + 1) // 2], Condition())
    chunked = [backend.chunks(j.prompt) for j in jobs]
    la = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, 1 llama.cpp thread, load average {la[0]:.2f}")
    tails(backend, chunked[args.prompt])
    offsets(backend, chunked[: args.offsets_limit])
    backend.close()


if __name__ == "__main__":
    main()

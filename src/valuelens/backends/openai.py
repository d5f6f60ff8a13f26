"""Any OpenAI-compatible server (vLLM, SGLang, Ollama, llama.cpp server, OpenAI) through the official SDK.

Model names: `openai/MODEL[?api=chat|completions&logprobs=auto|off&top=20&retries=5&backoff=0.5]`.
- api=chat (default): the system and user messages; the choice log-probabilities are the first
  generated token's `top_logprobs` (max_tokens 1, temperature 0).
- api=completions: the plain prompt text, for base models; the same from the completions endpoint.
- logprobs=off: never ask for log-probabilities; always sample K answers per order.
- top: how many top log-probabilities to ask for (20, the most OpenAI gives; servers may allow more).
- reasoning=low|medium|high: the reasoning effort of an OpenAI reasoning model (free-text answers).

Free text (`--answer free`): answers of up to `max_tokens` tokens; OpenAI reasoning models
(o1, o3, o4, gpt-5 families, or any model given `reasoning=`) get `max_completion_tokens` and no
temperature. Reasoning a server returns apart (vLLM's `reasoning`, formerly `reasoning_content`) is
kept in <think> tags.

A label absent from the returned top-k gets the smallest returned log-probability: an upper bound,
stored with the answer as `"bounded": [label]` and counted in the run summary. When no label is in
the top-k at all, the prompt is sampled instead; when the server gives no log-probabilities, every
prompt is sampled (after three answers without any, or a 400 error that names logprobs).
Endpoints: `--base-url` (repeatable) or $OPENAI_BASE_URL (comma-separated); key: $OPENAI_API_KEY or .env.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from valuelens.backends._base import Failed, Logprobs, Refusal, count_usage
from valuelens.backends._http import BadResponse
from valuelens.backends._prices import price_of
from valuelens.backends._remote import RemoteBackend
from valuelens.errors import BackendError
from valuelens.prompts import Prompt

OPTIONS: dict[str, tuple[str, ...] | type] = {
    "api": ("chat", "completions"),
    "logprobs": ("auto", "off"),
    "top": int,
    "reasoning": ("low", "medium", "high"),
}
REASONING_FAMILIES = ("o1", "o3", "o4", "gpt-5")
PROBE_MISSES = 3
NO_LABEL = object()  # the label tokens are not in the top-k: sample this prompt instead


def _get(obj: Any, *path: str | int) -> Any:
    """obj.a.b[0].c for SDK objects or dicts; None where anything is missing."""
    for step in path:
        if obj is None:
            return None
        if isinstance(step, int):
            obj = obj[step] if isinstance(obj, list | tuple) and len(obj) > step else None
        else:
            obj = obj.get(step) if isinstance(obj, dict) else getattr(obj, step, None)
    return obj


def top_logprobs(resp: Any, api: str) -> dict[str, float] | None:
    """token -> log-probability of the first generated token's top-k; None when the response has none."""
    if api == "chat":
        entries = _get(resp, "choices", 0, "logprobs", "content", 0, "top_logprobs")
        if not entries:
            return None
        pairs = [(_get(e, "token"), _get(e, "logprob")) for e in entries]
    else:
        first = _get(resp, "choices", 0, "logprobs", "top_logprobs", 0)
        if not first or not isinstance(first, dict):
            return None
        pairs = list(first.items())
    out: dict[str, float] = {}
    for token, lp in pairs:
        if isinstance(token, str) and isinstance(lp, int | float) and math.isfinite(lp):
            out[token] = max(out.get(token, -math.inf), float(lp))
    if not out:
        raise BadResponse("top_logprobs hold no usable entry")
    return out


def label_logprobs(top: dict[str, float], labels: list[str]) -> Logprobs | None:
    """Log-probability of each label: the tokens that spell it after stripping white space, summed.

    Labels not in `top` get min(top) (an upper bound) and are listed in `.bounded`; None if no label is in top.
    """
    found: dict[str, list[float]] = {}
    for token, lp in top.items():
        if token.strip() in labels:
            found.setdefault(token.strip(), []).append(lp)
    if not found:
        return None
    floor = min(top.values())
    out = Logprobs()
    for lab in labels:
        lps = found.get(lab)
        if lps:
            m = max(lps)
            out[lab] = m + math.log(sum(math.exp(x - m) for x in lps))
        else:
            out[lab] = floor
    out.bounded = tuple(lab for lab in labels if lab not in found)
    return out


def chat_messages(p: Prompt) -> list[dict[str, str]]:
    system = [{"role": "system", "content": p.system}] if p.system else []
    return [*system, {"role": "user", "content": p.user}]


class OpenAIBackend(RemoteBackend[Any]):
    """An OpenAI-compatible server (or several serving the same model); see the module docstring."""

    provider = "openai"
    env_prefix = "OPENAI"
    default_url = "https://api.openai.com/v1"
    free_text = True

    def __init__(
        self,
        spec: str,
        base_urls: list[str] | None = None,
        timeout: float | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        try:
            import openai  # noqa: F401
        except ImportError as exc:
            raise BackendError("openai models need the openai package (pip install openai)") from exc
        super().__init__(spec, OPTIONS, base_urls, timeout, max_concurrency)
        self.api = self.options.get("api", "chat")
        self.top = int(self.options.get("top", 20))
        self.logprobs_mode = "off" if self.options.get("logprobs") == "off" else "unknown"  # -> "yes" | "off"
        self._misses = 0
        shaping = {"api": self.api, "logprobs": self.options.get("logprobs", "auto"), "top": self.top}
        self.reasoning = self.options.get("reasoning")
        if self.reasoning:  # only when set: fingerprints (and cache keys) of other models stay as they were
            shaping["reasoning"] = self.reasoning
        self.fingerprint = self.fingerprint_of(shaping)
        self.price = price_of("openai", self.model) if self.official else None

    def make_client(self, url: str) -> Any:
        import openai

        try:  # aiohttp carries many concurrent requests with less overhead than the default transport
            http: Any = openai.DefaultAioHttpClient(timeout=self.timeout)
        except RuntimeError:
            http = None
        return openai.AsyncOpenAI(
            api_key=self.api_key or "EMPTY", base_url=url, timeout=self.timeout, max_retries=0, http_client=http
        )

    def _count(self, resp: Any) -> None:
        prompt = _get(resp, "usage", "prompt_tokens") or 0
        completion = _get(resp, "usage", "completion_tokens") or 0
        count_usage(self.usage, 1, int(prompt), int(prompt), int(completion))

    # log-probabilities ---------------------------------------------------------------------------
    async def _logprob_request(self, client: Any, p: Prompt, labels: list[str]) -> Logprobs | object | None:
        common: dict[str, Any] = {"model": self.model, "max_tokens": 1, "temperature": 0.0}
        if self.api == "chat":
            resp = await client.chat.completions.create(
                messages=chat_messages(p), logprobs=True, top_logprobs=self.top, **common
            )
        else:
            resp = await client.completions.create(prompt=p.text, logprobs=self.top, **common)
        self._count(resp)
        if not _get(resp, "choices", 0):
            raise BadResponse("response has no choices")
        top = top_logprobs(resp, self.api)
        if top is None:
            if self.logprobs_mode == "yes":  # this server gives log-probabilities: a gap is a fault
                raise BadResponse("response has no logprobs")
            self._misses += 1
            if self._misses >= PROBE_MISSES:
                self.logprobs_mode = "off"
            return None
        self.logprobs_mode = "yes"
        lps = label_logprobs(top, labels)
        return NO_LABEL if lps is None else lps

    async def _logprobs_one(self, p: Prompt, labels: list[str]) -> Logprobs | Failed | None:
        while self.logprobs_mode != "off":
            try:
                r = await self.pool().call(lambda c: self._logprob_request(c, p, labels))
            except Exception as exc:  # pragma: no cover - call() turns errors into Failed
                return Failed(str(exc))
            if isinstance(r, Failed):
                if "logprobs" in r.reason.lower() and "400" in r.reason:
                    self.logprobs_mode = "off"  # the server rejects the parameter: sample instead
                    return None
                return r
            if r is NO_LABEL:
                return None
            if r is not None:
                return r  # type: ignore[return-value]
        return None

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> list[Logprobs | Failed] | None:
        if self.logprobs_mode == "off":
            return None
        results = await asyncio.gather(*(self._logprobs_one(p, labels) for p in prompts))
        if any(r is None for r in results):
            return None  # one call per prompt (max_batch 1): this prompt is sampled instead
        return list(results)  # type: ignore[arg-type]

    # samples -------------------------------------------------------------------------------------
    def _free_params(self, max_tokens: int) -> dict[str, Any]:
        """Parameters of a free-text request: reasoning models take max_completion_tokens and an effort."""
        family = self.model.split("/")[-1].lower()
        if self.reasoning or family.startswith(REASONING_FAMILIES):
            effort = {"reasoning_effort": self.reasoning} if self.reasoning else {}
            return {"model": self.model, "max_completion_tokens": max_tokens, **effort}
        return {"model": self.model, "max_tokens": max_tokens, "temperature": 1.0}

    async def _sample_request(self, client: Any, p: Prompt, n: int, max_tokens: int, free: bool = False) -> list[str]:
        common: dict[str, Any] = {"model": self.model, "max_tokens": max_tokens, "temperature": 1.0, "n": n}
        if free:
            common = {**self._free_params(max_tokens), "n": n}
        if self.api == "chat":
            resp = await client.chat.completions.create(messages=chat_messages(p), **common)
        else:
            resp = await client.completions.create(prompt=p.text, **common)
        self._count(resp)
        choices = _get(resp, "choices")
        if not choices:
            raise BadResponse("response has no choices")
        out: list[str] = []
        for ch in choices:
            if self.api == "chat":
                refusal = _get(ch, "message", "refusal")
                text = _get(ch, "message", "content")
                if refusal or _get(ch, "finish_reason") == "content_filter":
                    out.append(Refusal(refusal or text or ""))
                    continue
                thought = _get(ch, "message", "reasoning") or _get(ch, "message", "reasoning_content")
                if free and isinstance(thought, str) and thought:
                    text = f"<think>{thought}</think>\n{text or ''}"
            else:
                text = _get(ch, "text")
            if not isinstance(text, str):
                raise BadResponse("a choice has no text")
            out.append(text)
        return out

    async def _sample_one(self, p: Prompt, n: int, max_tokens: int, free: bool = False) -> list[str] | Failed:
        texts: list[str] = []
        for _ in range(n):  # servers that ignore `n` return fewer choices: ask again for the rest
            missing = n - len(texts)
            r = await self.pool().call(lambda c, k=missing: self._sample_request(c, p, k, max_tokens, free))
            if isinstance(r, Failed):
                return r
            texts.extend(r)
            if len(texts) >= n:
                break
        return texts[:n]

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        return list(await asyncio.gather(*(self._sample_one(p, n, max_tokens) for p in prompts)))

    async def generate(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        return list(await asyncio.gather(*(self._sample_one(p, n, max_tokens, free=True) for p in prompts)))

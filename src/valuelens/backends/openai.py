"""Any OpenAI-compatible server (vLLM, SGLang, Ollama, llama.cpp server, OpenAI) through the official SDK.

Model names: `openai/MODEL[?api=chat|completions&logprobs=auto|off&top=20&batch=16&retries=5&backoff=0.5]`.
- api=chat (default): the system and user messages; the choice log-probabilities are the first
  generated token's `top_logprobs` (max_tokens 1, temperature 0).
- api=completions: the plain prompt text, for base models; the same from the completions endpoint.
- logprobs=off: never ask for log-probabilities; always sample K answers per order.
- top: how many top log-probabilities to ask for (20, the most OpenAI gives; servers may allow more).
- batch: most prompts per completions request (a list of prompts; both orders of a dilemma travel
  together so the server shares their prefix). Chat requests carry one conversation each; `batch`
  then only sets how many answers are committed together.
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
from valuelens.backends._http import BadResponse, InvalidAnswer
from valuelens.backends._prices import price_of
from valuelens.backends._remote import RemoteBackend
from valuelens.errors import BackendError
from valuelens.prompts import Prompt

OPTIONS: dict[str, tuple[str, ...] | type] = {
    "api": ("chat", "completions"),
    "logprobs": ("auto", "off"),
    "top": int,
    "batch": int,
    "reasoning": ("low", "medium", "high"),
}
DEFAULT_BATCH = 16
REASONING_FAMILIES = ("o1", "o3", "o4", "gpt-5")
PROBE_MISSES = 3
MAX_LOGPROB = 1e-4  # servers round; anything above this is not a probability
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


def top_logprobs(choice: Any, api: str) -> dict[str, float] | None:
    """token -> log-probability of a choice's first generated token's top-k; None when it has none.

    Raises InvalidAnswer for a log-probability that is not finite or is positive (beyond rounding):
    such an answer would otherwise rank its label wrongly.
    """
    if api == "chat":
        entries = _get(choice, "logprobs", "content", 0, "top_logprobs")
        if not entries:
            return None
        pairs = [(_get(e, "token"), _get(e, "logprob")) for e in entries]
    else:
        first = _get(choice, "logprobs", "top_logprobs", 0)
        if not first or not isinstance(first, dict):
            return None
        pairs = list(first.items())
    out: dict[str, float] = {}
    for token, lp in pairs:
        if not isinstance(token, str) or not isinstance(lp, int | float):
            continue
        if not math.isfinite(lp) or lp > MAX_LOGPROB:
            raise InvalidAnswer(f"log-probability {lp!r} for token {token.strip()[:20]!r} is not finite and <= 0")
        out[token] = max(out.get(token, -math.inf), min(0.0, float(lp)))
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
    batch_submission = True  # its batch API: `valuelens.backends._batch_types.batch_client`

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
        self.batch = max(1, int(self.options.get("batch", DEFAULT_BATCH)))
        self.max_batch = self.batch  # prompts per runner batch: answers committed together
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

    async def _post(self, client: Any, body: dict[str, Any]) -> Any:
        """POST to this API's endpoint and return the decoded JSON: the SDK still handles keys, headers and
        errors, but neither transforms the request nor builds response objects (most of its CPU per call)."""
        path = "/chat/completions" if self.api == "chat" else "/completions"
        resp = await client.post(path, body=body, cast_to=object)
        if not isinstance(resp, dict):
            raise BadResponse(f"response is {type(resp).__name__}, not a JSON object")
        return resp

    def _count(self, resp: Any) -> None:
        prompt = _get(resp, "usage", "prompt_tokens") or 0
        completion = _get(resp, "usage", "completion_tokens") or 0
        count_usage(self.usage, 1, int(prompt), int(prompt), int(completion))

    # log-probabilities ---------------------------------------------------------------------------
    async def _logprob_request(self, client: Any, ps: list[Prompt], labels: list[str]) -> list[Any]:
        """One request for `ps` (completions: a list of prompts; chat: one conversation) -> per prompt
        Logprobs, NO_LABEL (sample it), or None (the server gave no log-probabilities)."""
        common: dict[str, Any] = {"model": self.model, "max_tokens": 1, "temperature": 0.0}
        if self.api == "chat":
            resp = await self._post(
                client, {"messages": chat_messages(ps[0]), "logprobs": True, "top_logprobs": self.top, **common}
            )
        else:
            text: str | list[str] = ps[0].text if len(ps) == 1 else [p.text for p in ps]
            resp = await self._post(client, {"prompt": text, "logprobs": self.top, **common})
        self._count(resp)
        choices = _get(resp, "choices") or []
        if len(choices) < len(ps):
            raise BadResponse(f"response has {len(choices)} choices for {len(ps)} prompts")
        if len(ps) > 1:  # a list of prompts: choice i answers prompt i (by index where the server says)
            choices = sorted(choices, key=lambda c: _get(c, "index") or 0)
        out: list[Any] = []
        for ch in choices[: len(ps)]:
            top = top_logprobs(ch, self.api)
            if top is None:
                if self.logprobs_mode == "yes":  # this server gives log-probabilities: a gap is a fault
                    raise BadResponse("response has no logprobs")
                out.append(None)
                continue
            lps = label_logprobs(top, labels)
            out.append(NO_LABEL if lps is None else lps)
        if all(r is None for r in out):
            self._misses += 1
            if self._misses >= PROBE_MISSES:
                self.logprobs_mode = "off"
        else:
            self.logprobs_mode = "yes"
        return out

    async def _logprobs_group(self, ps: list[Prompt], labels: list[str]) -> list[Logprobs | Failed | None]:
        """Log-probabilities for prompts that go out in one request; None where a prompt must be sampled."""
        while self.logprobs_mode != "off":
            r = await self.pool().call(lambda c: self._logprob_request(c, ps, labels))
            if isinstance(r, Failed):
                if "logprobs" in r.reason.lower() and "400" in r.reason:
                    self.logprobs_mode = "off"  # the server rejects the parameter: sample instead
                    return [None] * len(ps)
                return [r] * len(ps)
            if any(x is not None for x in r):
                return [x if isinstance(x, Logprobs) else None for x in r]
        return [None] * len(ps)

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> list[Logprobs | Failed | None] | None:
        """Per prompt its label log-probabilities, a Failed, or None (sample that prompt instead)."""
        if self.logprobs_mode == "off":
            return None
        if self.api == "chat":  # one conversation per request; the requests run concurrently
            groups = [[p] for p in prompts]
        else:
            groups = [prompts[i : i + self.batch] for i in range(0, len(prompts), self.batch)]
        parts = await asyncio.gather(*(self._logprobs_group(g, labels) for g in groups))
        results = [r for part in parts for r in part]
        return None if all(r is None for r in results) else results

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
            resp = await self._post(client, {"messages": chat_messages(p), **common})
        else:
            resp = await self._post(client, {"prompt": p.text, **common})
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

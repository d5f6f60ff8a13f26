"""Anthropic's Messages API through the official SDK: sampling only (the API gives no log-probabilities).

Model names: `anthropic/MODEL[?thinking=N&retries=5&backoff=0.5]`, e.g. `anthropic/claude-haiku-4-5`. Each prompt is
sampled K times per order (one request per sample, at the API's default temperature 1); the runner parses each answer.
A refusal (stop_reason "refusal", or an answer that opens like one) is recorded as such: counted in
the run summary, never turned into a choice. Key: $ANTHROPIC_API_KEY or .env; endpoint:
`--base-url` or $ANTHROPIC_BASE_URL.

Free text (`--answer free`): answers of up to `max_tokens` tokens; `thinking=N` turns on extended
thinking with a budget of N tokens (at least 1024; added to max_tokens, which must exceed it). The
thinking comes back in <thinking> tags before the answer, where the rule and the judge skip it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from valuelens.backends._base import Failed, Refusal, count_usage
from valuelens.backends._http import BadResponse
from valuelens.backends._prices import price_of
from valuelens.backends._remote import RemoteBackend
from valuelens.errors import BackendError
from valuelens.prompts import Prompt


class AnthropicBackend(RemoteBackend[Any]):
    """Claude models; see the module docstring."""

    provider = "anthropic"
    env_prefix = "ANTHROPIC"
    default_url = "https://api.anthropic.com"
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
            import anthropic  # noqa: F401
        except ImportError as exc:
            raise BackendError("anthropic models need the anthropic package (pip install anthropic)") from exc
        super().__init__(spec, {"thinking": int}, base_urls, timeout, max_concurrency)
        self.thinking = int(self.options.get("thinking", 0))
        if 0 < self.thinking < 1024:
            raise BackendError(f"{self.name}: thinking must be at least 1024 tokens, got {self.thinking}")
        shaping = {"api": "messages"} | ({"thinking": self.thinking} if self.thinking else {})
        self.fingerprint = self.fingerprint_of(shaping)
        self.price = price_of("anthropic", self.model) if self.official else None

    def make_client(self, url: str) -> Any:
        import anthropic

        try:
            http: Any = anthropic.DefaultAioHttpClient(timeout=self.timeout)
        except RuntimeError:
            http = None
        return anthropic.AsyncAnthropic(
            api_key=self.api_key or "EMPTY", base_url=url, timeout=self.timeout, max_retries=0, http_client=http
        )

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> None:
        return None

    async def _request(self, client: Any, p: Prompt, max_tokens: int, free: bool = False) -> str:
        kwargs: dict[str, Any] = {"system": p.system} if p.system else {}
        if free and self.thinking:
            kwargs["thinking"] = {"type": "enabled", "budget_tokens": self.thinking}
            max_tokens += self.thinking
        msg = await client.messages.create(
            model=self.model,
            max_tokens=max_tokens,  # temperature: the API's default, 1.0
            messages=[{"role": "user", "content": p.user}],
            **kwargs,
        )
        usage = getattr(msg, "usage", None)
        tokens_in = int(getattr(usage, "input_tokens", 0) or 0)
        count_usage(self.usage, 1, tokens_in, tokens_in, int(getattr(usage, "output_tokens", 0) or 0))
        blocks = getattr(msg, "content", None)
        if blocks is None:
            raise BadResponse("response has no content")
        text = "".join(getattr(b, "text", "") or "" for b in blocks if getattr(b, "type", "") == "text")
        thought = "".join(getattr(b, "thinking", "") or "" for b in blocks if getattr(b, "type", "") == "thinking")
        text = f"<thinking>{thought}</thinking>\n{text}" if free and thought else text
        return Refusal(text) if getattr(msg, "stop_reason", None) == "refusal" else text

    async def _sample_one(self, p: Prompt, n: int, max_tokens: int, free: bool = False) -> list[str] | Failed:
        pool = self.pool()
        results = await asyncio.gather(*(pool.call(lambda c: self._request(c, p, max_tokens, free)) for _ in range(n)))
        failed = [r for r in results if isinstance(r, Failed)]
        if failed:  # a prompt is answered with all its samples or retried later as a whole
            return Failed(f"{len(failed)} of {n} samples failed: {failed[0].reason}")
        return [r for r in results if isinstance(r, str)]

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        return list(await asyncio.gather(*(self._sample_one(p, n, max_tokens) for p in prompts)))

    async def generate(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        return list(await asyncio.gather(*(self._sample_one(p, n, max_tokens, free=True) for p in prompts)))

"""Anthropic's Message Batches API: POST /v1/messages/batches with one request per sample, polled
until `processing_status` is "ended", then the results JSONL read back: each request "succeeded",
"errored", "canceled" or "expired". Batches cost half the list price and end within 24 hours."""

from __future__ import annotations

from typing import Any

from valuelens.backends._base import Failed, Refusal
from valuelens.backends._batch_types import SAMPLE, BatchState, LineResult
from valuelens.backends.anthropic import AnthropicBackend
from valuelens.backends.openai import _get
from valuelens.prompts import Prompt


def parse_result(entry: dict[str, Any]) -> LineResult:
    """One line of a batch's results as a `LineResult`."""
    cid = str(entry.get("custom_id", ""))
    result = entry.get("result") or {}
    kind = _get(result, "type")
    if kind == "succeeded":
        msg = _get(result, "message") or {}
        used = {
            "tokens_prompt": int(_get(msg, "usage", "input_tokens") or 0),
            "tokens_completion": int(_get(msg, "usage", "output_tokens") or 0),
        }
        blocks = _get(msg, "content")
        if not isinstance(blocks, list):
            return LineResult(cid, error="bad response: message has no content", **used)
        text = "".join(str(_get(b, "text") or "") for b in blocks if _get(b, "type") == "text")
        return LineResult(cid, texts=(Refusal(text) if _get(msg, "stop_reason") == "refusal" else text,), **used)
    if kind == "errored":
        inner = _get(result, "error", "error") or _get(result, "error") or {}
        return LineResult(
            cid, error=f"errored: {_get(inner, 'type') or 'error'}: {_get(inner, 'message') or ''}".strip()
        )
    if kind == "expired":
        return LineResult(cid, error="expired: the batch ended (24 h) before this request ran")
    if kind == "canceled":
        return LineResult(cid, error="canceled: the batch was canceled before this request ran")
    return LineResult(cid, error=f"unknown result type {kind!r}")


class AnthropicBatch:
    """The Message Batches API of the endpoint an `AnthropicBackend` talks to."""

    provider = "anthropic"
    default_mode = SAMPLE  # the API gives no log-probabilities

    def __init__(self, backend: AnthropicBackend) -> None:
        self.backend = backend

    def lines(
        self, custom_id: str, prompt: Prompt, mode: str, samples: int, max_tokens: int
    ) -> list[tuple[str, dict[str, Any]]]:
        params: dict[str, Any] = {
            "model": self.backend.model,
            "max_tokens": max_tokens,  # temperature: the API's default, 1.0, as live calls
            "messages": [{"role": "user", "content": prompt.user}],
        }
        if prompt.system:
            params["system"] = prompt.system
        ids = [f"{custom_id}-{s}" for s in range(samples)]  # one request per sample, as live calls
        return [(cid, {"custom_id": cid, "params": params}) for cid in ids]

    async def submit(self, lines: list[dict[str, Any]]) -> str | Failed:
        async def create(client: Any) -> str:
            batch = await client.messages.batches.create(requests=lines)
            return str(batch.id)

        return await self.backend.pool().call(create)

    async def poll(self, batch_id: str) -> BatchState | Failed:
        async def retrieve(client: Any) -> BatchState:
            batch = await client.messages.batches.retrieve(batch_id)
            counts = batch.request_counts
            n = {k: int(_get(counts, k) or 0) for k in ("processing", "succeeded", "errored", "canceled", "expired")}
            status = str(batch.processing_status)
            return BatchState(batch_id, status, status == "ended", sum(n.values()) - n["processing"], sum(n.values()))

        return await self.backend.pool().call(retrieve)

    async def results(
        self, state: BatchState, asked: dict[str, tuple[tuple[str, ...], str]]
    ) -> list[LineResult] | Failed:
        async def read(client: Any) -> list[LineResult]:
            entries = await client.messages.batches.results(state.batch_id)
            return [parse_result(e.model_dump() if hasattr(e, "model_dump") else e) async for e in entries]

        return await self.backend.pool().call(read)

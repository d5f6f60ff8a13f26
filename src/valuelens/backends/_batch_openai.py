"""OpenAI's Batch API: a JSONL file of requests uploaded with purpose "batch", POST /v1/batches,
polled until it ends, then the output file (answers) and error file (per-request errors) read back.

Each prompt is one request with the same body a live call sends: the first token's top
log-probabilities (max_tokens 1, temperature 0), or `n` samples when log-probabilities are off or
named no label. Batches cost half the list price and finish within 24 hours.
"""

from __future__ import annotations

import json
from typing import Any

from valuelens.backends._base import Failed, Refusal
from valuelens.backends._batch_types import LOGPROBS, NO_LABEL, SAMPLE, BatchState, LineResult
from valuelens.backends.openai import OpenAIBackend, _get, chat_messages, label_logprobs, top_logprobs
from valuelens.prompts import Prompt

ENDED = frozenset({"completed", "failed", "expired", "cancelled"})


def sample_texts(body: Any, api: str) -> list[str]:
    """The sampled answers of a chat or completions response body (refusals as `Refusal`)."""
    out: list[str] = []
    for ch in _get(body, "choices") or []:
        if api == "chat":
            refusal = _get(ch, "message", "refusal")
            text = _get(ch, "message", "content")
            if refusal or _get(ch, "finish_reason") == "content_filter":
                out.append(Refusal(refusal or text or ""))
                continue
        else:
            text = _get(ch, "text")
        if not isinstance(text, str):
            raise ValueError("a choice has no text")
        out.append(text)
    if not out:
        raise ValueError("response has no choices")
    return out


def error_reason(line: Any) -> str:
    """Why one output or error line failed: the line's error, or the response's status and message."""
    err = _get(line, "error")
    if err:
        return f"{_get(err, 'code') or 'error'}: {_get(err, 'message') or ''}".strip()
    status = _get(line, "response", "status_code")
    msg = _get(line, "response", "body", "error", "message") or ""
    return f"HTTP {status}: {msg}".strip()


def parse_line(line: dict[str, Any], api: str, labels: tuple[str, ...], mode: str) -> LineResult:
    """One line of an output or error file as a `LineResult` (`mode`: how the request asked)."""
    cid = str(line.get("custom_id", ""))
    body = _get(line, "response", "body")
    if _get(line, "error") or _get(line, "response", "status_code") != 200 or not isinstance(body, dict):
        return LineResult(cid, error=error_reason(line))
    used = {
        "tokens_prompt": int(_get(body, "usage", "prompt_tokens") or 0),
        "tokens_completion": int(_get(body, "usage", "completion_tokens") or 0),
    }
    try:
        if mode == LOGPROBS:
            top = top_logprobs(_get(body, "choices", 0), api)  # the first choice, as a live call reads it
            lps = None if top is None else label_logprobs(top, list(labels))
            if lps is None:  # as live: no log-probabilities, or no label among them -> sample this prompt
                return LineResult(cid, no_label=True, error=NO_LABEL, **used)
            return LineResult(cid, logprobs=lps, **used)
        return LineResult(cid, texts=tuple(sample_texts(body, api)), **used)
    except Exception as exc:  # a malformed body fails its prompt, which the next run asks again
        return LineResult(cid, error=f"bad response: {exc}", **used)


class OpenAIBatch:
    """The batch API of the server an `OpenAIBackend` talks to (its first base URL)."""

    provider = "openai"

    def __init__(self, backend: OpenAIBackend) -> None:
        self.backend = backend
        self.api = backend.api
        self.endpoint = "/v1/chat/completions" if self.api == "chat" else "/v1/completions"
        self.default_mode = SAMPLE if backend.options.get("logprobs") == "off" else LOGPROBS

    def lines(
        self, custom_id: str, prompt: Prompt, mode: str, samples: int, max_tokens: int
    ) -> list[tuple[str, dict[str, Any]]]:
        b = self.backend
        if mode == LOGPROBS:
            body: dict[str, Any] = {"model": b.model, "max_tokens": 1, "temperature": 0.0}
            if self.api == "chat":
                body.update(messages=chat_messages(prompt), logprobs=True, top_logprobs=b.top)
            else:
                body.update(prompt=prompt.text, logprobs=b.top)
        else:
            body = {"model": b.model, "max_tokens": max_tokens, "temperature": 1.0, "n": samples}
            if self.api == "chat":
                body["messages"] = chat_messages(prompt)
            else:
                body["prompt"] = prompt.text
        return [(custom_id, {"custom_id": custom_id, "method": "POST", "url": self.endpoint, "body": body})]

    async def submit(self, lines: list[dict[str, Any]]) -> str | Failed:
        data = "".join(json.dumps(line) + "\n" for line in lines).encode()

        async def create(client: Any) -> str:
            f = await client.files.create(file=("valuelens-batch.jsonl", data, "application/jsonl"), purpose="batch")
            batch = await client.batches.create(input_file_id=f.id, endpoint=self.endpoint, completion_window="24h")
            return str(batch.id)

        return await self.backend.pool().call(create)

    async def poll(self, batch_id: str) -> BatchState | Failed:
        async def retrieve(client: Any) -> BatchState:
            batch = await client.batches.retrieve(batch_id)
            status = str(batch.status)
            counts = batch.request_counts
            total = int(_get(counts, "total") or 0)
            done = int(_get(counts, "completed") or 0) + int(_get(counts, "failed") or 0)
            errors = _get(batch, "errors", "data") or []
            reason = "; ".join(f"{_get(e, 'code')}: {_get(e, 'message')}" for e in errors[:3])
            return BatchState(batch_id, status, status in ENDED, done, total, reason)

        return await self.backend.pool().call(retrieve)

    async def results(
        self, state: BatchState, asked: dict[str, tuple[tuple[str, ...], str]]
    ) -> list[LineResult] | Failed:
        async def read(client: Any) -> list[LineResult]:
            batch = await client.batches.retrieve(state.batch_id)
            out: list[LineResult] = []
            for file_id in (batch.output_file_id, batch.error_file_id):
                if not file_id:
                    continue
                content = await client.files.content(file_id)
                for raw in content.text.splitlines():
                    if raw.strip():
                        line = json.loads(raw)
                        labels, mode = asked.get(str(line.get("custom_id")), (("A", "B"), SAMPLE))
                        out.append(parse_line(line, self.api, labels, mode))
            return out

        return await self.backend.pool().call(read)

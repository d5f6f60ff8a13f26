"""A fake Anthropic Messages API (/v1/messages): answers in the many shapes a chat model uses ("A",
"**B**", "Option A", "I would choose B"), refuses some prompts (stop_reason "refusal" or a text
refusal), and injects 429 / 529 (overloaded) faults."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from typing import Any

from tests.servers._http import Reply, ThreadedServer

SHAPES = ("{x}", "**{x}**", "Option {x}", "I would choose {x}", "{x}.", "Answer: {x}")
TEXT_REFUSAL = "I can't choose between these options."


def _unit(text: str) -> float:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") / 2**64


class FakeAnthropic:
    """Prompts whose hash falls below `refuse` are refused: half by stop_reason, half in words."""

    def __init__(self, refuse: float = 0.1, rate_429: float = 0.0, rate_529: float = 0.0, seed: int = 0) -> None:
        self.refuse, self.rate_429, self.rate_529 = refuse, rate_429, rate_529
        self.rng = random.Random(seed)
        self.kinds: Counter[str] = Counter()
        self.systems: list[str | None] = []
        self.thinking: list[tuple[int, int]] = []  # (budget_tokens, max_tokens) of requests with thinking on

    async def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        if method != "POST" or not path.endswith("/v1/messages"):
            return Reply(404, {"type": "error", "error": {"type": "not_found_error", "message": path}})
        x = self.rng.random()
        if x < self.rate_429:
            self.kinds["429"] += 1
            return Reply(
                429,
                {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
                {"retry-after": "0"},
            )
        if x < self.rate_429 + self.rate_529:
            self.kinds["529"] += 1
            return Reply(529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
        req = json.loads(body)
        self.systems.append(req.get("system"))
        if req.get("thinking"):
            self.thinking.append((int(req["thinking"]["budget_tokens"]), int(req["max_tokens"])))
        prompt = str(req["messages"][-1]["content"])
        u = _unit(prompt)
        stop, text = "max_tokens", ""
        if u < self.refuse / 2:
            stop = "refusal"
        elif u < self.refuse:
            text = TEXT_REFUSAL
        else:
            label = "A" if self.rng.random() < u else "B"
            text = self.rng.choice(SHAPES).format(x=label)
        self.kinds[stop if stop == "refusal" else ("text_refusal" if text == TEXT_REFUSAL else "answer")] += 1
        return Reply(200, self.message(req, text, stop))

    @staticmethod
    def message(req: dict[str, Any], text: str, stop: str) -> dict[str, Any]:
        content = [{"type": "text", "text": text}] if text else []
        if req.get("thinking") and text:  # extended thinking: a thinking block before the answer
            thought = "Option A and option B both matter; weighing them."
            content.insert(0, {"type": "thinking", "thinking": thought, "signature": "sig"})
        return {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": req.get("model", "fake"),
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": len(str(req["messages"]).split()), "output_tokens": 3},
        }


def serve(
    handler: FakeAnthropic | None = None, max_requests: int = 20_000, max_seconds: float = 120.0
) -> tuple[ThreadedServer, FakeAnthropic]:
    handler = handler or FakeAnthropic()
    return ThreadedServer(handler, max_requests=max_requests, max_seconds=max_seconds).start(), handler

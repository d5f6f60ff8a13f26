"""A fake OpenAI-compatible server: a deterministic 'model' behind /v1/chat/completions and
/v1/completions, with injected faults (429 + Retry-After, 500, dropped connections, answers too
late, malformed JSON, missing logprobs) and an optional key check whose 401 echoes the key it got.

Run standalone (for benchmarks): `python tests/servers/openai_fake.py [--max-seconds S]` prints the port.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    __package__ = "tests.servers"

from tests.servers._http import DROP, Reply, ThreadedServer


@dataclass
class Faults:
    """Per-request fault probabilities and behaviour of the fake server.

    Attributes:
        rate_429, rate_500, rate_503, rate_drop, rate_timeout, rate_malformed, rate_no_logprobs: probabilities.
        retry_after: value of the Retry-After header sent with 429.
        late: seconds a 'timeout' fault waits before answering (longer than the client's timeout).
        max_faults_per_prompt: after this many faults a prompt is always answered (bounds reruns).
        warmup: the first N requests are answered without faults.
        logprobs: False = a server that never returns log-probabilities.
        reject_logprobs: answer requests that ask for log-probabilities with 400 (as some APIs do).
        rate_bounded: probability that the less likely label is left out of the top log-probabilities.
        expect_key: when set, other keys get a 401 whose message echoes the key presented.
        latency: seconds every answer takes.
        label_logprob: when set, the log-probability sent for " A" (e.g. inf or 0.5: impossible values).
    """

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_503: float = 0.0
    rate_drop: float = 0.0
    rate_timeout: float = 0.0
    rate_malformed: float = 0.0
    rate_no_logprobs: float = 0.0
    retry_after: str = "1"
    late: float = 2.0
    max_faults_per_prompt: int | None = None
    warmup: int = 0
    logprobs: bool = True
    reject_logprobs: bool = False
    rate_bounded: float = 0.0
    expect_key: str | None = None
    latency: float = 0.0
    label_logprob: float | None = None
    seed: int = 0


def p_first(text: str) -> float:
    """The fake model's P(first label) for a prompt: a fixed function of the prompt text."""
    h = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") / 2**64
    return 1.0 / (1.0 + math.exp(-(4.0 * h - 2.0)))


def prompt_of(req: dict[str, Any]) -> str:
    """The prompt text (a list of prompts: all of them, for fault bookkeeping)."""
    if "messages" in req:
        return "\n".join(str(m.get("content", "")) for m in req["messages"])
    prompt = req.get("prompt", "")
    return "\n".join(map(str, prompt)) if isinstance(prompt, list) else str(prompt)


class FakeOpenAI:
    """Handler state: counts of requests and faults by kind, faults per prompt."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults or Faults()
        self.rng = random.Random(self.faults.seed)
        self.seen = 0
        self.kinds: Counter[str] = Counter()
        self.per_prompt: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []

    def _fault(self, prompt: str) -> str | None:
        f = self.faults
        self.seen += 1
        if self.seen <= f.warmup:
            return None
        if f.max_faults_per_prompt is not None and self.per_prompt[prompt] >= f.max_faults_per_prompt:
            return None
        x = self.rng.random()
        for kind, rate in (
            ("429", f.rate_429),
            ("500", f.rate_500),
            ("503", f.rate_503),
            ("drop", f.rate_drop),
            ("timeout", f.rate_timeout),
            ("malformed", f.rate_malformed),
            ("no_logprobs", f.rate_no_logprobs),
        ):
            if x < rate:
                self.per_prompt[prompt] += 1
                return kind
            x -= rate
        return None

    async def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply | object:
        f = self.faults
        key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if f.expect_key is not None and key != f.expect_key:
            self.kinds["401"] += 1
            msg = f"Incorrect API key provided: {key}. You can find your API key at your account page."
            return Reply(401, {"error": {"message": msg, "type": "invalid_request_error", "code": "invalid_api_key"}})
        if method == "GET" and path.endswith("/stats"):  # for benchmarks: what the server answered
            return Reply(200, dict(self.kinds))
        if method != "POST" or not path.endswith(("/chat/completions", "/completions")):
            return Reply(404, {"error": {"message": f"no route {method} {path}"}})
        req = json.loads(body or b"{}")
        self.requests.append(req)
        if f.reject_logprobs and req.get("logprobs"):
            return Reply(400, {"error": {"message": "logprobs is not supported with this model", "type": "invalid"}})
        prompt = prompt_of(req)
        kind = self._fault(prompt)
        self.kinds[kind or "ok"] += 1
        if f.latency:
            await asyncio.sleep(f.latency)
        if kind == "429":
            return Reply(
                429, {"error": {"message": "Rate limit reached", "type": "rate_limit"}}, {"Retry-After": f.retry_after}
            )
        if kind == "503":
            return Reply(
                503, {"error": {"message": "overloaded", "type": "server_error"}}, {"Retry-After": f.retry_after}
            )
        if kind == "500":
            return Reply(500, {"error": {"message": "internal error", "type": "server_error"}})
        if kind == "drop":
            return DROP
        if kind == "timeout":
            await asyncio.sleep(f.late)
        if kind == "malformed":
            return Reply(200, b'{"id": "cmpl-1", "choices": [{"index": 0, "text": "A", "logpr')
        chat = path.endswith("/chat/completions")
        prompts = req["prompt"] if not chat and isinstance(req.get("prompt"), list) else [prompt]
        self.kinds["prompts"] += len(prompts)
        answers = [self.answer(req, one, chat, logprobs=f.logprobs and kind != "no_logprobs") for one in prompts]
        choices = []
        for i, a in enumerate(answers):  # a list of prompts: n choices per prompt, indexed in order
            for j, ch in enumerate(a["choices"]):
                choices.append({**ch, "index": i * len(a["choices"]) + j})
        usage = {k: sum(a["usage"][k] for a in answers) for k in answers[0]["usage"]}
        return Reply(200, {**answers[0], "choices": choices, "usage": usage})

    def answer(self, req: dict[str, Any], prompt: str, chat: bool, logprobs: bool) -> dict[str, Any]:
        p = p_first(prompt)
        n = int(req.get("n") or 1)
        usage = {"prompt_tokens": max(1, len(prompt.split())), "completion_tokens": n * int(req.get("max_tokens") or 1)}
        want = (req.get("top_logprobs") if req.get("logprobs") else None) if chat else req.get("logprobs")
        top: list[tuple[str, float]] = []
        if want and logprobs:
            top = [
                (" A", math.log(0.9 * p)),
                (" B", math.log(0.9 * (1 - p))),
                (" I", math.log(0.05)),
                (" The", math.log(0.03)),
                ("\n", math.log(0.01)),
            ]
            if self.faults.label_logprob is not None:
                top[0] = (" A", self.faults.label_logprob)
            if self.faults.rate_bounded and self.rng.random() < self.faults.rate_bounded:
                top = [t for t in top if t[0] != (" B" if p >= 0.5 else " A")]
            top = sorted(top, key=lambda t: -t[1])[: int(want)]
        rng = random.Random(prompt)
        choices = []
        for i in range(n):
            text = "A" if rng.random() < p else "B"
            if chat:
                choice: dict[str, Any] = {
                    "index": i,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "length",
                }
                if top:
                    choice["logprobs"] = {
                        "content": [
                            {
                                "token": top[0][0],
                                "logprob": top[0][1],
                                "bytes": None,
                                "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in top],
                            }
                        ]
                    }
                else:
                    choice["logprobs"] = None
            else:
                choice = {
                    "index": i,
                    "text": text,
                    "finish_reason": "length",
                    "logprobs": {
                        "tokens": [top[0][0]],
                        "token_logprobs": [top[0][1]],
                        "top_logprobs": [dict(top)],
                        "text_offset": [0],
                    }
                    if top
                    else None,
                }
            choices.append(choice)
        obj = "chat.completion" if chat else "text_completion"
        return {
            "id": "cmpl-fake",
            "object": obj,
            "created": 0,
            "model": req.get("model", "fake"),
            "choices": choices,
            "usage": {**usage, "total_tokens": sum(usage.values())},
        }


def serve(
    faults: Faults | None = None, max_requests: int = 100_000, max_seconds: float = 300.0
) -> tuple[ThreadedServer, FakeOpenAI]:
    """Start a fake server in a thread; returns (server, handler). Base URL: server.url + '/v1'."""
    handler = FakeOpenAI(faults)
    return ThreadedServer(handler, max_requests=max_requests, max_seconds=max_seconds).start(), handler


if __name__ == "__main__":
    import argparse
    import time

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--max-seconds", type=float, default=300.0)
    ap.add_argument("--max-requests", type=int, default=1_000_000)
    ap.add_argument("--rate-429", type=float, default=0.0, help="share of requests answered 429")
    ap.add_argument("--rate-503", type=float, default=0.0, help="share of requests answered 503")
    ap.add_argument("--retry-after", default="0.05")
    args = ap.parse_args()
    faults = Faults(rate_429=args.rate_429, rate_503=args.rate_503, retry_after=args.retry_after, seed=1)
    srv, _ = serve(faults, max_requests=args.max_requests, max_seconds=args.max_seconds)
    print(srv.port, flush=True)
    while srv._thread.is_alive():
        time.sleep(0.2)

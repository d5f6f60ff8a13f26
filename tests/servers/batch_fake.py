"""A fake batch server for OpenAI's Batch API (/v1/files, /v1/batches) and Anthropic's Message Batches
API (/v1/messages/batches): batches end after a set number of polls; some requests fail (error lines /
"errored" results), a batch can expire with part of its requests never run, and log-probability
answers can name no label. The 'model' prefers option A with a probability fixed by the prompt text.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.servers._http import Reply, ThreadedServer


def unit(text: str) -> float:
    """A number in (0, 1) fixed by `text`."""
    return (int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") + 0.5) / 2**64


@dataclass
class Behaviour:
    """How the fake batches behave.

    Attributes:
        polls: polls a batch stays in progress before it ends.
        error_rate: share of requests (by prompt hash) that fail with a per-request error.
        expire: the batch expires: only the first `expire_done` share of its requests ran.
        no_label_rate: share of log-probability requests whose top log-probabilities hold no label.
    """

    polls: int = 2
    error_rate: float = 0.0
    expire: bool = False
    expire_done: float = 0.5
    no_label_rate: float = 0.0


@dataclass
class FakeBatches:
    behaviour: Behaviour = field(default_factory=Behaviour)
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    async def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        path = path.split("?", 1)[0]
        host = f"http://{headers.get('host', '127.0.0.1')}"
        parts = [p for p in path.split("/") if p]
        if method == "POST" and path.endswith("/v1/files"):
            return self._upload(headers, body)
        if method == "GET" and len(parts) >= 4 and parts[-3] == "files" and parts[-1] == "content":
            return Reply(200, self.files[parts[-2]])
        if method == "POST" and path.endswith("/v1/batches"):
            return self._create_openai(json.loads(body))
        if method == "GET" and len(parts) >= 2 and parts[-2] == "batches" and parts[-3] != "messages":
            return self._poll(parts[-1], host)
        if method == "POST" and path.endswith("/v1/messages/batches"):
            return self._create_anthropic(json.loads(body))
        if method == "GET" and parts[-1] == "results":
            return Reply(200, self.files[f"results-{parts[-2]}"])
        if method == "GET" and len(parts) >= 3 and parts[-2] == "batches":
            return self._poll(parts[-1], host)
        return Reply(404, {"error": {"message": f"no route {method} {path}", "type": "not_found"}})

    # creating ------------------------------------------------------------------------------------
    def _upload(self, headers: dict[str, str], body: bytes) -> Reply:
        boundary = headers.get("content-type", "").split("boundary=", 1)[-1].strip('"').encode()
        content = b""
        for part in body.split(b"--" + boundary):
            head, _, data = part.partition(b"\r\n\r\n")
            if b'name="file"' in head:
                content = data.rsplit(b"\r\n", 1)[0]
        fid = f"file-{len(self.files)}"
        self.files[fid] = content
        return Reply(
            200,
            {
                "id": fid,
                "object": "file",
                "bytes": len(content),
                "created_at": int(time.time()),
                "filename": "batch.jsonl",
                "purpose": "batch",
                "status": "processed",
            },
        )

    def _create_openai(self, req: dict[str, Any]) -> Reply:
        self.calls["create"] += 1
        lines = [json.loads(x) for x in self.files[req["input_file_id"]].splitlines() if x.strip()]
        bid = f"batch_{len(self.batches)}"
        self.batches[bid] = {"provider": "openai", "lines": lines, "polls": self.behaviour.polls, "ended": None}
        return Reply(200, self._openai_object(bid))

    def _create_anthropic(self, req: dict[str, Any]) -> Reply:
        self.calls["create"] += 1
        bid = f"msgbatch_{len(self.batches)}"
        self.batches[bid] = {
            "provider": "anthropic",
            "lines": req["requests"],
            "polls": self.behaviour.polls,
            "ended": None,
        }
        return Reply(200, self._anthropic_object(bid, ""))

    # polling -------------------------------------------------------------------------------------
    def _poll(self, bid: str, host: str) -> Reply:
        self.calls["poll"] += 1
        b = self.batches.get(bid)
        if b is None:
            return Reply(404, {"error": {"message": f"no batch {bid}", "type": "not_found"}})
        if b["ended"] is None:
            b["polls"] -= 1
            if b["polls"] <= 0:
                self._finish(bid)
        return Reply(200, self._openai_object(bid) if b["provider"] == "openai" else self._anthropic_object(bid, host))

    def _finish(self, bid: str) -> None:
        b, beh = self.batches[bid], self.behaviour
        ran = b["lines"][: math.ceil(len(b["lines"]) * beh.expire_done)] if beh.expire else b["lines"]
        outcomes = [(line, self._answer(b["provider"], line)) for line in ran]
        b["ended"] = "expired" if beh.expire else "completed"
        b["ok"] = sum(1 for _, (ok, _) in outcomes if ok)
        b["failed"] = len(outcomes) - b["ok"] + (len(b["lines"]) - len(ran) if b["provider"] == "openai" else 0)
        b["expired"] = len(b["lines"]) - len(ran)
        if b["provider"] == "openai":
            out = [row for _, (ok, row) in outcomes if ok]
            err = [row for _, (ok, row) in outcomes if not ok]
            err += [
                {
                    "id": "r",
                    "custom_id": line["custom_id"],
                    "response": None,
                    "error": {
                        "code": "batch_expired",
                        "message": "This request could not be executed before the completion window expired.",
                    },
                }
                for line in b["lines"][len(ran) :]
            ]
            self.files[f"out-{bid}"] = "".join(json.dumps(x) + "\n" for x in out).encode()
            self.files[f"err-{bid}"] = "".join(json.dumps(x) + "\n" for x in err).encode()
        else:
            rows = [row for _, (_, row) in outcomes]
            rows += [{"custom_id": line["custom_id"], "result": {"type": "expired"}} for line in b["lines"][len(ran) :]]
            self.files[f"results-{bid}"] = "".join(json.dumps(x) + "\n" for x in rows).encode()

    def _answer(self, provider: str, line: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """(succeeded, result line) for one request line."""
        params = line["body"] if provider == "openai" else line["params"]
        text = json.dumps(params.get("messages") or params.get("prompt"), sort_keys=True)
        u = unit(text)
        cid = line["custom_id"]
        if unit("error" + text) < self.behaviour.error_rate:
            if provider == "openai":
                return False, {
                    "id": "r",
                    "custom_id": cid,
                    "response": {
                        "status_code": 400,
                        "request_id": "x",
                        "body": {"error": {"message": "fake invalid request", "type": "invalid_request_error"}},
                    },
                    "error": None,
                }
            return False, {
                "custom_id": cid,
                "result": {
                    "type": "errored",
                    "error": {
                        "type": "error",
                        "error": {"type": "invalid_request_error", "message": "fake invalid request"},
                    },
                },
            }
        pick = "A" if unit(cid + text) < u else "B"
        if provider == "anthropic":
            msg = {
                "id": "msg",
                "type": "message",
                "role": "assistant",
                "model": params["model"],
                "stop_reason": "end_turn",
                "content": [{"type": "text", "text": pick}],
                "usage": {"input_tokens": 20, "output_tokens": 1},
            }
            return True, {"custom_id": cid, "result": {"type": "succeeded", "message": msg}}
        usage = {"prompt_tokens": 20, "completion_tokens": 1, "total_tokens": 21}
        if params.get("logprobs"):
            top = [{"token": "A", "logprob": math.log(u)}, {"token": "B", "logprob": math.log(1 - u)}]
            if unit("nolabel" + text) < self.behaviour.no_label_rate:
                top = [{"token": "I", "logprob": -0.1}, {"token": "**", "logprob": -2.5}]
            choice = {
                "index": 0,
                "message": {"role": "assistant", "content": top[0]["token"]},
                "finish_reason": "length",
                "logprobs": {
                    "content": [{"token": top[0]["token"], "logprob": top[0]["logprob"], "top_logprobs": top}]
                },
            }
            choices = [choice]
        else:
            n = int(params.get("n", 1))
            picks = ["A" if unit(f"{cid}{i}{text}") < u else "B" for i in range(n)]
            choices = [
                {"index": i, "message": {"role": "assistant", "content": p}, "finish_reason": "stop"}
                for i, p in enumerate(picks)
            ]
        body = {"id": "cmpl", "object": "chat.completion", "model": params["model"], "choices": choices, "usage": usage}
        return True, {
            "id": "r",
            "custom_id": cid,
            "response": {"status_code": 200, "request_id": "x", "body": body},
            "error": None,
        }

    # batch objects -------------------------------------------------------------------------------
    def _openai_object(self, bid: str) -> dict[str, Any]:
        b = self.batches[bid]
        ended = b["ended"]
        return {
            "id": bid,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "input_file_id": "file-in",
            "created_at": 0,
            "status": ended or "in_progress",
            "output_file_id": f"out-{bid}" if ended else None,
            "error_file_id": f"err-{bid}" if ended else None,
            "request_counts": {"total": len(b["lines"]), "completed": b.get("ok", 0), "failed": b.get("failed", 0)},
        }

    def _anthropic_object(self, bid: str, host: str) -> dict[str, Any]:
        b = self.batches[bid]
        ended = b["ended"] is not None
        n = len(b["lines"])
        counts = {
            "processing": 0 if ended else n,
            "succeeded": b.get("ok", 0),
            "errored": b.get("failed", 0),
            "canceled": 0,
            "expired": b.get("expired", 0),
        }
        return {
            "id": bid,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "created_at": "2026-01-01T00:00:00Z",
            "expires_at": "2026-01-02T00:00:00Z",
            "ended_at": "2026-01-01T01:00:00Z" if ended else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{host}/v1/messages/batches/{bid}/results" if ended else None,
        }


def serve(behaviour: Behaviour | None = None, max_seconds: float = 120.0) -> tuple[ThreadedServer, FakeBatches]:
    """A server (not started: use it as a context manager) and its handler."""
    handler = FakeBatches(behaviour or Behaviour())
    return ThreadedServer(handler, max_seconds=max_seconds), handler

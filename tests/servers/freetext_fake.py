"""A fake OpenAI-compatible chat server whose 'models' answer in free text, as real ones do.

The model name picks the style:
- `reasoner`: a think block weighing both options, then a final line ("Answer: B", "**B**", ...);
- `chatty`: an instruct model's prose ("I'd go with option B because ..."); one answer in four names
  no label at all ("the second one"), so only a judge can read it;
- `refuser`: declines to choose;
- `rambler`: talks around the question and never chooses;
- `parsed`: the reasoner as vLLM serves it with a reasoning parser: the thinking in the message's
  `reasoning` field, only the final answer in `content`;
- `broken`: fails every request (HTTP 500), e.g. as a judge that is down;
- `judge`: reads an answer given to it (the prompt from `valuelens.runner.judge_prompt`) and says which
  option it chose. It knows what every answer it is shown was meant to choose (the server wrote it),
  so it is a perfect judge: tests measure how the rule and the routing behave, not a judge's errors.

The intended choice of a prompt is a fixed function of its text (`openai_fake.p_first`), so a test
knows the truth for every answer.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path
from typing import Any

from tests.servers._http import Reply, ThreadedServer
from tests.servers.openai_fake import p_first, prompt_of

STYLES = ("reasoner", "chatty", "refuser", "rambler")


def _options(prompt: str) -> tuple[str, str]:
    """The two labels the prompt offers (its option lines 'A. ...' and 'B. ...')."""
    found = re.findall(r"^([A-Z0-9])\. ", prompt, re.MULTILINE)
    return (found[0], found[1]) if len(found) >= 2 else ("A", "B")


def intended(prompt: str, sample: int) -> int:
    """0 = the first-listed option, 1 = the second: drawn with the prompt's fixed P(first)."""
    rng = random.Random(f"{prompt}|{sample}")
    return 0 if rng.random() < p_first(prompt) else 1


def write_answer(style: str, prompt: str, sample: int) -> tuple[str, int | None]:
    """(text, intended option index or None when the answer does not choose)."""
    labels = _options(prompt)
    k = intended(prompt, sample)
    x, y = labels[k], labels[1 - k]
    h = int(hashlib.sha256(f"{style}|{prompt}|{sample}".encode()).hexdigest()[:8], 16)
    if style == "reasoner":
        think = (
            f"<think>\nLet me weigh this. Option {y} has something going for it, but option {x} respects "
            f"what matters more here. Option {y} would also cost more. So {x}.\n</think>\n\n"
        )
        finals = [f"Answer: {x}", f"**{x}**", f"Final answer: {x}", f"I choose {x}."]
        return think + "Having weighed both, I settle on one.\n\n" + finals[h % len(finals)], k
    if style == "chatty":
        forms = [
            f"I'd go with option {x} because it is kinder than option {y}, even if it takes longer.",
            f"Great question! I would choose {x}. While {y} is tempting, it leaves someone worse off.",
            f"{x}. It is the more honest choice; {y} avoids the problem instead of solving it.",
            "Honestly, " + ("the first one" if k == 0 else "the second one") + " seems right to me: it treats "
            "everyone fairly, and the other path would be hard to defend later.",
        ]
        return forms[h % len(forms)], k
    if style == "refuser":
        return "I'm sorry, but I can't make this choice for you; it depends on your own values.", None
    return (
        "There are many factors to consider here, such as the people involved, the timing, and the "
        "long-term consequences. Each path has merits and drawbacks worth thinking through.",
        None,
    )


class FakeFreeText:
    """Handler: answers chat requests in the style of the requested model; records what it wrote."""

    def __init__(self) -> None:
        self.written: dict[str, int | None] = {}
        self.judged = 0
        self.requests: list[dict[str, Any]] = []
        self.tokens: dict[str, list[int]] = {}
        """model -> [prompt, completion] tokens reported in `usage`, for checking a run's bill per model."""

    def _judge(self, prompt: str) -> str:
        self.judged += 1
        m = re.search(r"<<<\n(.*)\n>>>", prompt, re.DOTALL)
        shown = m.group(1) if m else ""
        labels = re.findall(r"^([A-Z0-9])\. ", prompt.split("Answer given:")[0], re.MULTILINE)
        for text, k in self.written.items():
            if text.endswith(shown.removeprefix("...")) or shown in text:
                if k is None:
                    return "R" if "sorry" in text.lower() else "N"
                return labels[k] if len(labels) > k else "N"
        return "N"

    async def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        if method != "POST" or not path.endswith("/chat/completions"):
            return Reply(404, {"error": {"message": f"no route {method} {path}"}})
        req = json.loads(body or b"{}")
        self.requests.append(req)
        model = str(req.get("model", "reasoner"))
        if model == "broken":
            return Reply(500, {"error": {"message": "judge is down", "type": "server_error"}})
        prompt = prompt_of(req)
        n = int(req.get("n") or 1)
        texts: list[str] = []
        for i in range(n):
            if model == "judge":
                texts.append(self._judge(prompt))
                continue
            user = str(req["messages"][-1].get("content", ""))
            text, k = write_answer(model if model in STYLES else "reasoner", user, i)
            self.written[text] = k
            texts.append(text)
        messages: list[dict[str, Any]] = [{"role": "assistant", "content": t} for t in texts]
        if model == "parsed":
            for m in messages:
                thought, _, final = m["content"].partition("</think>")
                m.update(content=final.strip(), reasoning=thought.removeprefix("<think>").strip())
        choices = [
            {"index": i, "message": m, "finish_reason": "stop", "logprobs": None} for i, m in enumerate(messages)
        ]
        completion = sum(len(t.split()) for t in texts)
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": completion}
        counted = self.tokens.setdefault(model, [0, 0])
        counted[0] += usage["prompt_tokens"]
        counted[1] += completion
        return Reply(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 0,
                "model": model,
                "choices": choices,
                "usage": {**usage, "total_tokens": sum(usage.values())},
            },
        )


def read_against_truth(
    store_path: Path, run_id: str, written: dict[str, int | None], labels: tuple[str, ...]
) -> dict[str, list[bool]]:
    """route ("rule", "judge") -> for each stored answer of a free-text run it read, whether the label read
    is the one this server meant (`written`: text -> intended option index, as `FakeFreeText.written`)."""
    from valuelens.runner._generate import FreeTextSpec, judge_jobs, judge_key
    from valuelens.store import Store

    with Store(store_path) as st:
        record = st.get_run(run_id)
        assert record is not None
        answers = st.get_ok([k for *_, k in st.run_items(run_id)])
        spec = FreeTextSpec.from_dict(record.spec["free_text"])
        jobs = judge_jobs(spec, answers, labels)
        verdicts = st.get_ok([judge_key(spec, p) for p in jobs.values()])
    out: dict[str, list[bool]] = {"rule": [], "judge": []}
    for k, r in answers.items():
        shown = [lab for lab, _ in r["options"]]
        for i, s in enumerate(r["samples"]):
            meant = written[s["text"]]
            truth = None if meant is None else shown[meant]
            if s["status"] == "chosen":
                out["rule"].append(s["label"] == truth)
            elif (k, i) in jobs and (v := verdicts.get(judge_key(spec, jobs[(k, i)]))) and v["status"] == "chosen":
                out["judge"].append(v["label"] == truth)
    return out


def serve(max_requests: int = 100_000, max_seconds: float = 300.0) -> tuple[ThreadedServer, FakeFreeText]:
    """Start the server in a thread; returns (server, handler). Base URL: server.url + '/v1'."""
    handler = FakeFreeText()
    return ThreadedServer(handler, max_requests=max_requests, max_seconds=max_seconds).start(), handler

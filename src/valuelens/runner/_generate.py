"""Free-text answers: generate K answers per prompt, read each by rule, ask a judge where the rule cannot.

Three kinds of stored response, each cached under its own key:
- "free": the K answers of one prompt (full text, reasoning, final answer, the rule's reading);
- "judge": one judge reply about one answer (keyed by the judge's fingerprint and the judge prompt);
- the run's items point at the "free" responses; `read_free` joins them with the judge replies when a
  run is loaded, so a judge that failed is retried by a rerun and never turns into a choice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from valuelens.backends import Backend, Failed, Refusal
from valuelens.prompts import Prompt, key_of
from valuelens.runner._free_text import judge_labels, judge_prompt, read_by_rule, read_judge_answer
from valuelens.runner._plan import generation_shape
from valuelens.runner._scale import PlanReady
from valuelens.runner._session import Session
from valuelens.store import Store

FREE_SAMPLES = 5
FREE_MAX_TOKENS = 2048
JUDGE_MAX_TOKENS = 1024
"""Room for a reasoning judge; a plain one stops after its letter."""
JUDGE_CHECKS = 20
"""Rule-read answers also shown to the judge (a seeded sample), for the judge-rule agreement."""
ANSWERS = ("logprobs", "free", "both")


@dataclass(frozen=True)
class FreeTextSpec:
    """How free-text answers are asked and read (part of a run's spec, so of its id).

    Attributes:
        samples: answers per prompt (K).
        max_tokens: longest answer, reasoning included.
        judge: the judge model's name, None for rule-only reading.
        judge_fingerprint: the judge backend's fingerprint (its answers' cache keys depend on it).
        judge_reads_annotations: whether the judge is a simulated model (its keys include annotations).
        checks: rule-read answers also judged, for agreement.
        seed: seed of the check sample.
    """

    samples: int = FREE_SAMPLES
    max_tokens: int = FREE_MAX_TOKENS
    judge: str | None = None
    judge_fingerprint: str | None = None
    judge_reads_annotations: bool = False
    checks: int = JUDGE_CHECKS
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FreeTextSpec:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def option_lines(user: str, labels: tuple[str, ...]) -> list[tuple[str, str]]:
    """(label, option text) of the option lines ("A. text") of a prompt, in the order shown."""
    found: list[tuple[str, str]] = []
    for lab in labels:
        m = re.search(rf"^{re.escape(lab)}\. (.+)$", user, re.MULTILINE)
        if m:
            found.append((lab, m.group(1).strip()))
    return found


def free_key(backend: Backend, prompt: Prompt, samples: int, max_tokens: int) -> str:
    """The cache key of K free-text answers to a prompt."""
    params = {"mode": "free", "samples": samples, "max_tokens": max_tokens}
    return key_of(backend.fingerprint, prompt, "free", params, backend.reads_annotations)


def _reading(text: str, labels: tuple[str, ...]) -> dict[str, Any]:
    r = read_by_rule(text, labels)
    status = "refused" if isinstance(text, Refusal) else r.status
    return {"text": str(text), "thinking": r.thinking, "final": r.final, "status": status, "label": r.label}


async def ask_free(
    backend: Backend, prompts: list[Prompt], samples: int, max_tokens: int
) -> list[dict[str, Any] | Failed]:
    """K free-text answers per prompt, each read by the rule (what the store keeps as a "free" response)."""
    drawn = await backend.generate(prompts, samples, max_tokens)
    out: list[dict[str, Any] | Failed] = []
    for p, texts in zip(prompts, drawn, strict=True):
        if isinstance(texts, Failed):
            out.append(texts)
            continue
        question, options = question_options(p)
        out.append({"question": question, "options": options, "samples": [_reading(t, p.labels) for t in texts]})
    return out


def question_options(p: Prompt) -> tuple[str, list[list[str]]]:
    """(question, [[label, option text], ...]) of a prompt as a judge is shown them."""
    options = option_lines(p.user, p.labels)
    first = p.user.find(f"{options[0][0]}. {options[0][1]}") if options else -1
    return (p.user[:first].strip() if first > 0 else p.user), [list(o) for o in options]


def judge_request(question: str, options: list[list[str]], final: str, labels: tuple[str, ...]) -> Prompt:
    """The prompt that asks a judge which option `final` chose."""
    pairs = [(str(lab), str(text)) for lab, text in options]
    system, user = judge_prompt(question, pairs, final)
    annotations: dict[str, object] = {"kind": "judge", "options": [list(o) for o in pairs], "response": final}
    return Prompt(system, user, f"{system}\n\n{user}\n\nAnswer:", judge_labels(labels), annotations)


def judge_key(spec: FreeTextSpec, prompt: Prompt) -> str:
    params = {"mode": "judge", "max_tokens": JUDGE_MAX_TOKENS}
    return key_of(spec.judge_fingerprint or "", prompt, "judge", params, spec.judge_reads_annotations)


async def ask_judge(backend: Backend, prompts: list[Prompt], samples: int) -> list[dict[str, Any] | Failed]:
    """One judge reply per judge prompt, read by `read_judge_answer`."""
    drawn = await backend.generate(prompts, 1, JUDGE_MAX_TOKENS)
    out: list[dict[str, Any] | Failed] = []
    for p, texts in zip(prompts, drawn, strict=True):
        if isinstance(texts, Failed):
            out.append(texts)
            continue
        r = read_judge_answer(texts[0], p.labels[:-2])
        said = read_by_rule(texts[0], p.labels).status == "chosen"  # a letter, even if neither
        note = "" if r.status != "none" else "judge: neither option" if said else "judge reply unreadable"
        out.append({"text": str(texts[0]), "status": r.status, "label": r.label, "note": note})
    return out


def _checked(spec: FreeTextSpec, answers: dict[str, Any]) -> set[tuple[str, int]]:
    """The seeded sample of rule-read answers that the judge reads too."""
    read = [(k, i) for k, r in answers.items() for i, s in enumerate(r["samples"]) if s["status"] == "chosen"]
    rank = sorted(read, key=lambda ki: hashlib.sha256(f"{spec.seed}|{ki[0]}|{ki[1]}".encode()).hexdigest())
    return set(rank[: spec.checks])


def judge_jobs(spec: FreeTextSpec, answers: dict[str, Any], labels: tuple[str, ...]) -> dict[tuple[str, int], Prompt]:
    """(response key, sample) -> judge prompt, for every answer the rule could not read and the checks."""
    if spec.judge is None:
        return {}
    checked = _checked(spec, answers)
    jobs: dict[tuple[str, int], Prompt] = {}
    for k, r in answers.items():
        for i, s in enumerate(r["samples"]):
            if s["status"] in ("none", "both") or (k, i) in checked:
                jobs[(k, i)] = judge_request(r["question"], r["options"], s["final"], labels)
    return jobs


def ask_free_text(s: Session, prompts: dict[str, Prompt], spec: FreeTextSpec, judge: Backend | None) -> None:
    """Generate what the store lacks, then ask the judge about every answer that needs one.

    A dry run plans both (`runner._free_plan`): the answers at their token limit, the judge as if it
    read every answer not yet given."""
    from valuelens.runner._free_plan import JUDGE_SHAPE, plan_free_text

    shape = generation_shape(s.backend, spec.samples, spec.max_tokens)
    if s.scale.dry_run:
        raise PlanReady(plan_free_text(s, prompts, spec, judge, shape))
    s.ask(prompts, how=partial(ask_free, max_tokens=spec.max_tokens), kind="free", shape=shape)
    if judge is None or not prompts:
        return
    labels = next(iter(prompts.values())).labels
    jobs = judge_jobs(spec, s.store.get_ok(prompts), labels)
    s.ask({judge_key(spec, p): p for p in jobs.values()}, how=ask_judge, kind="judge", backend=judge, shape=JUDGE_SHAPE)


@dataclass
class FreeReading:
    """Free-text answers joined with their judge replies.

    Attributes:
        answers: response key -> {"counts", "refused", "unparsed"} (what `p_first` and `answer_kinds` read).
        routes: answers read by "rule", by "judge", by "none" (unread), and "refused".
        unread_reasons: why answers stayed unread -> how many.
        checks: rule-read answers the judge also read; agree: how many of those it read the same.
    """

    answers: dict[str, dict[str, Any]]
    routes: dict[str, int]
    unread_reasons: dict[str, int]
    checks: int = 0
    agree: int = 0

    def summary(self) -> dict[str, Any]:
        share = self.agree / self.checks if self.checks else None
        return {
            "routes": dict(self.routes),
            "unread_reasons": dict(sorted(self.unread_reasons.items(), key=lambda kv: -kv[1])),
            "judge_rule_agreement": {"n": self.checks, "agree": self.agree, "share": share},
        }


def read_free(store: Store, spec: FreeTextSpec, answers: dict[str, Any], labels: tuple[str, ...]) -> FreeReading:
    """Each answer's choice: the rule's, else the judge's; unread answers keep their reason and count for nothing."""
    jobs = judge_jobs(spec, answers, labels)
    keys = {ki: judge_key(spec, p) for ki, p in jobs.items()}
    got, failed = store.get_ok(keys.values()), store.failures(keys.values())
    routes = {"rule": 0, "judge": 0, "none": 0, "refused": 0}
    reasons: dict[str, int] = {}
    reading = FreeReading({}, routes, reasons)
    for k, r in answers.items():
        counts, refused, unread = dict.fromkeys(labels, 0), 0, 0
        for i, s in enumerate(r["samples"]):
            route, label, reason = _route(s, got.get(keys.get((k, i), "")), failed.get(keys.get((k, i), "")), spec)
            if (k, i) in keys and s["status"] == "chosen" and route == "rule":
                verdict = got.get(keys[(k, i)])
                if verdict is not None:
                    reading.checks += 1
                    reading.agree += verdict.get("label") == label
            routes[route] += 1
            if route in ("rule", "judge"):
                counts[str(label)] += 1
            elif route == "refused":
                refused += 1
            else:
                unread += 1
                reasons[reason] = reasons.get(reason, 0) + 1
        reading.answers[k] = {"counts": counts, "refused": refused, "unparsed": unread}
    return reading


def _route(
    s: dict[str, Any], verdict: dict[str, Any] | None, failure: str | None, spec: FreeTextSpec
) -> tuple[str, str | None, str]:
    """(route, label, reason unread) of one answer."""
    if s["status"] == "chosen":
        return "rule", s["label"], ""
    if s["status"] == "refused":
        return "refused", None, ""
    if spec.judge is None:
        return "none", None, f"rule found {'both labels' if s['status'] == 'both' else 'no choice'}; no --judge"
    if verdict is None:
        return "none", None, f"judge failed: {failure[:120]}" if failure else "judge not asked yet (rerun)"
    if verdict["status"] == "chosen":
        return "judge", verdict["label"], ""
    if verdict["status"] == "refused":
        return "refused", None, ""
    return "none", None, str(verdict.get("note") or "judge: no choice")

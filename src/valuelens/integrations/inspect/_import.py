"""Turn an Inspect log of `valuelens/dilemmas` into a valuelens run, so the full analysis and report apply.

Responses are stored in the engine's shape: {"logprobs": {"A": lp, "B": lp}} when every epoch of a
sample was read from log-probabilities (several epochs: their mean probability), else
{"samples": [...], "counts": {...}} over the epochs' answers. Keys use the fingerprint
`inspect:<model>:<eval id>`, so importing the same log twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from valuelens.errors import BackendError, InputError
from valuelens.prompts import Prompt, key_of

SCORER = "choice_probability"


def _score_meta(sample: Any) -> dict[str, Any] | None:
    scores = sample.scores or {}
    score = scores.get(SCORER) or next((s for s in scores.values() if "p_first" in (s.metadata or {})), None)
    return None if score is None else dict(score.metadata or {})


def _messages(sample: Any) -> tuple[str | None, str]:
    if isinstance(sample.input, str):
        return None, sample.input
    system = next((m.text for m in sample.input if m.role == "system"), None)
    user = "\n\n".join(m.text for m in sample.input if m.role == "user")
    return system, user


def _result(epochs: list[Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The stored response of one prompt over its epochs, or (None, reason) when it has no answer."""
    read = [(s, m) for s in epochs if not s.error and (m := _score_meta(s)) is not None]
    if not read:
        errors = [s.error.message.splitlines()[0] for s in epochs if s.error]
        return None, errors[0] if errors else "sample not scored"
    labels = tuple(read[0][0].metadata.get("labels", ("A", "B")))
    if all(m.get("logprobs") for _, m in read):
        if len(read) == 1:
            lps, bounded = read[0][1]["logprobs"], read[0][1].get("bounded") or []
            return ({"logprobs": lps, "bounded": bounded} if bounded else {"logprobs": lps}), None
        p = sum(float(m["p_first"]) for _, m in read) / len(read)
        p = min(max(p, 1e-12), 1.0 - 1e-12)
        return {"logprobs": {labels[0]: math.log(p), labels[1]: math.log(1.0 - p)}}, None
    picks = [None if m.get("source") == "none" else (labels[0] if m["p_first"] >= 0.5 else labels[1]) for _, m in read]
    refused = sum(1 for _, m in read if m.get("refused"))
    counts = {lab: picks.count(lab) for lab in labels}
    if not any(counts.values()) and not refused:
        return None, f"no parseable answer in {len(read)} samples"
    texts = [s.output.completion if s.output else "" for s, _ in read]
    return {"samples": texts, "counts": counts, "unparsed": picks.count(None) - refused, "refused": refused}, None


def _read_log(path: Path) -> Any:
    try:
        from inspect_ai.log import read_eval_log
    except ImportError:
        raise BackendError("import-inspect needs Inspect: pip install 'valuelens[inspect]'") from None
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        return read_eval_log(str(path))
    except Exception as exc:  # any reader failure means the file is not a readable Inspect log
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}:1: log: not a readable Inspect log ({first})") from None


def import_inspect(log: str | os.PathLike[str], store: str | os.PathLike[str] | None = None) -> Any:
    """Store an Inspect log of the `valuelens/dilemmas` task as a valuelens run and return it (a `Run`).

    Args:
        log: path of the Inspect log (.eval or .json).
        store: SQLite store (default: $VALUELENS_STORE or ./.valuelens/store.sqlite).

    Raises:
        InputError: the file is missing, not an Inspect log, or not a log of valuelens dilemmas.
        BackendError: inspect_ai is not installed.
    """
    from valuelens.store import Store
    from valuelens.studies import load_run
    from valuelens.suites import Dilemma

    path = Path(log).expanduser()
    elog = _read_log(path)
    task, samples = elog.eval.task, list(elog.samples or [])
    if not samples:
        raise InputError(f"{path}: log: no samples (status {elog.status}; was it written with --no-log-samples?)")
    kinds = {(s.metadata or {}).get("kind") for s in samples}
    if "dilemma" not in kinds:
        what = "outcome pairs (not importable yet)" if "outcome" in kinds else "no valuelens dilemma samples"
        raise InputError(f"{path}: log: task '{task}' holds {what}; import logs of valuelens/dilemmas")
    model = elog.eval.model
    fingerprint = f"inspect:{model}:{elog.eval.eval_id}"
    groups: dict[tuple[str, int, int], list[Any]] = {}
    payloads: dict[str, dict[str, Any]] = {}
    for s in samples:
        m = s.metadata or {}
        if m.get("kind") != "dilemma":
            continue
        groups.setdefault((str(m["dilemma_id"]), int(m["variant"]), int(m["order"])), []).append(s)
        if m["dilemma_id"] not in payloads:
            try:
                payloads[m["dilemma_id"]] = Dilemma.model_validate(m["dilemma"]).model_dump(mode="json")
            except (KeyError, ValidationError) as exc:
                raise InputError(f"{path}: sample {s.id}: metadata.dilemma: not a valid dilemma ({exc})") from None
    items, answers = [], {}
    for (item, variant, order), epochs in groups.items():
        system, user = _messages(epochs[0])
        prompt = Prompt(system=system, user=user, text=user)
        key = key_of(fingerprint, prompt, "choice", {"source": "inspect", "sample": str(epochs[0].id)}, False)
        items.append((item, variant, order, key))
        answers[key] = _result(epochs)
    first = samples[0].metadata or {}
    spec = {
        "kind": "dilemmas",
        "source": "inspect",
        "fingerprint": fingerprint,
        "task": task,
        "eval_id": elog.eval.eval_id,
        "suite": first.get("suite", elog.eval.task_args.get("suite", "core")),
        "condition": (elog.eval.metadata or {}).get("condition", {}),
        "paraphrases": any(v > 0 for _, v, _ in groups),
        "samples": max(len(e) for e in groups.values()),
        "seed": 0,
    }
    run_id = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    usage = elog.stats.model_usage.values() if elog.stats and elog.stats.model_usage else []
    failed = sum(1 for r, _ in answers.values() if r is None)
    with Store(store) as st:
        st.begin_run(run_id, "dilemmas", model, fingerprint, spec["suite"], spec, items, payloads)
        for key, (result, reason) in answers.items():
            if result is None:
                st.put_response(key, model, "choice", error=reason)
            else:
                st.put_response(key, model, "choice", result)
        stats = {
            "model_calls": len(samples),
            "cached_calls": 0,
            "tokens_prompt": sum(u.input_tokens for u in usage),
            "tokens_completion": sum(u.output_tokens for u in usage),
            "failed": failed,
            "inspect_log": str(path),
            "inspect_status": elog.status,
        }
        status = "complete" if not failed and elog.status == "success" else "incomplete"
        st.finish_run(run_id, status, stats, accumulate=False)  # the log's totals: importing it again changes nothing
    return load_run(run_id, store)

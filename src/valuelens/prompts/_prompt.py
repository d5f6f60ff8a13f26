"""What is sent to a model: one Prompt per dilemma, wording and option order."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

from valuelens.errors import InputError, os_reason

LABELS = ("A", "B")


@dataclass(frozen=True)
class Prompt:
    """A prompt as every kind of backend needs it.

    Attributes:
        system: system prompt (conditions: system prompt, principle, persona), or None.
        user: the question as a chat user message.
        text: the same prompt as plain text for completion (base) models; ends where the label goes.
        labels: answer labels in option order (labels[0] names the first-listed option).
        annotations: facts about the item that a model must not see (values per option, ids);
            only simulated backends read them, and then they are part of the cache key.
        segments: character offsets in `text` where an in-process engine evaluates in separate
            chunks. Engines reuse cached state only at these boundaries, so a prompt's result does
            not depend on which prompt came before it (llama.cpp's output depends on chunking).
    """

    system: str | None
    user: str
    text: str
    labels: tuple[str, ...] = LABELS
    annotations: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    segments: tuple[int, ...] = ()

    def pieces(self) -> list[str]:
        """`text` cut at `segments` (non-empty pieces that join to `text`)."""
        cuts = [0, *sorted(c for c in self.segments if 0 < c < len(self.text)), len(self.text)]
        return [self.text[a:b] for a, b in itertools.pairwise(cuts) if b > a]

    def cache_payload(self, with_annotations: bool) -> dict[str, object]:
        payload: dict[str, object] = {"system": self.system, "user": self.user, "text": self.text}
        if self.segments:
            payload["segments"] = list(self.segments)
        if with_annotations:
            payload["annotations"] = self.annotations
        return payload


@dataclass(frozen=True)
class Condition:
    """Everything besides the item that changes the prompt."""

    system_prompt: str | None = None
    persona: str | None = None
    principle: str | None = None

    @property
    def system(self) -> str | None:
        parts = [p.strip() for p in (self.system_prompt, self.principle, self.persona) if p and p.strip()]
        return "\n\n".join(parts) or None

    def to_dict(self) -> dict[str, str | None]:
        return {"system_prompt": self.system_prompt, "persona": self.persona, "principle": self.principle}


def read_text_arg(value: str | None, what: str) -> str | None:
    """`TEXT` as is, or `@FILE` read from a file (for --system-prompt and similar)."""
    if value is None or not value.startswith("@"):
        return value
    path = Path(value[1:]).expanduser()
    try:
        text = path.read_text(encoding="utf-8-sig").strip()
    except OSError as exc:
        raise InputError(f"{path}:1: {what}: cannot read file ({os_reason(exc)})") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: {what}: not UTF-8 text ({exc.reason})") from None
    if not text:
        raise InputError(f"{path}:1: {what}: file is empty")
    return text


def key_of(fingerprint: str, prompt: Prompt, kind: str, params: dict[str, object], with_annotations: bool) -> str:
    """Cache key: a hash of everything that shaped a response."""
    blob = json.dumps(
        {
            "backend": fingerprint,
            "prompt": prompt.cache_payload(with_annotations),
            "labels": list(prompt.labels),
            "kind": kind,
            "params": params,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()

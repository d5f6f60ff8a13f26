"""How a prompt becomes text for a GGUF model: raw completion text, or the model's own chat template.

A GGUF file may carry its chat template (Jinja) under `tokenizer.chat_template`. In chat mode the
system and user messages are rendered with it and the assistant turn is opened, so the label is
scored at the first token the assistant writes. The rendered conversation is cut at the prompt's
evaluation boundaries (the same places as the raw text's `segments`, shifted into the user message),
so consecutive prompts still share cached chunks.

Templates whose generation prompt opens a think block (DeepSeek-R1 style `<think>\\n`), or that
switch thinking off through `enable_thinking` (Qwen3), are scored with an empty, closed think block
(`<think>\\n\\n</think>\\n\\n`): the first token after an open think block is reasoning, not a choice.
The template id then ends in `+nothink`. Free-text answers (`--answer free`) keep thinking on; an
opening tag the template wrote is put back in front of the answer, so the reader sees the whole block.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from valuelens.errors import InputError
from valuelens.prompts import ANSWER_CUE, Prompt

TEMPLATE_KEY = "tokenizer.chat_template"
CHOICES = ("raw", "chat")
OPEN_THINK = re.compile(r"<(think|thinking|reasoning)>")
PROBE = Prompt(system=None, user="valuelens probe: user message", text="")
"""A conversation whose rendering shows what the template writes after the user message."""


class TemplateFailed(Exception):
    """The template called raise_exception (e.g. roles it does not accept)."""


@dataclass(frozen=True)
class LabelPlan:
    """Where the labels are read: the prompt's last `drop` tokens replaced by the white-space tokens
    `lead` (a lone space before a digit; "\n", "\n" for "\n\n"), then one distinct token per label
    (`ids`, in the labels' order)."""

    lead: tuple[int, ...]
    ids: tuple[int, ...]
    drop: int = 0


class RawFormat:
    """The prompt's plain text (base models); the label follows the answer cue after a space."""

    id = "raw"
    special = False  # suite text is never parsed as control tokens
    tail = f"\n\n{ANSWER_CUE}"
    label_prefix = " "

    def score_pieces(self, p: Prompt) -> list[str]:
        return p.pieces()

    def generation_text(self, p: Prompt) -> tuple[str, str]:
        """(text to continue, think opening to put in front of each answer)."""
        return p.text, ""


class ChatFormat:
    """A GGUF chat template, rendered in a sandbox as llama-cpp-python's own chat formatter does."""

    special = True  # the template's role markers are control tokens
    label_prefix = ""

    def __init__(self, source: str, bos_token: str, eos_token: str, where: str) -> None:
        import jinja2
        import jinja2.ext
        import jinja2.sandbox

        self.where = where
        self._globals = {"bos_token": bos_token, "eos_token": eos_token}
        env = jinja2.sandbox.ImmutableSandboxedEnvironment(
            trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
        )
        env.filters["tojson"] = _tojson
        try:
            self._template = env.from_string(source)
        except jinja2.TemplateError as exc:
            raise self._error("cannot be read", exc) from None
        # no strftime_now: templates that print today's date fall back to a fixed one, so a prompt's
        # rendering (and the cached answer) does not change from one day to the next
        _, self.tail = self._split(self._render(PROBE, think=False), PROBE)
        _, free_tail = self._split(self._render(PROBE, think=True), PROBE)
        short = hashlib.sha256(source.encode()).hexdigest()[:8]
        self.id = f"chat:{short}" + ("+nothink" if self.tail != free_tail else "")

    def _error(self, what: str, exc: BaseException) -> InputError:
        reason = " ".join(str(exc).split())[:200]
        return InputError(f"{self.where}: the GGUF's chat template {what} ({reason}); use ?template=raw")

    def _render(self, p: Prompt, think: bool) -> str:
        import jinja2

        def raise_exception(message: str) -> None:
            raise TemplateFailed(message)

        system = [{"role": "system", "content": p.system}] if p.system else []
        extra: dict[str, Any] = {} if think else {"enable_thinking": False}
        tries = [[*system, {"role": "user", "content": p.user}]]
        if p.system:  # a template that refuses system messages gets the system prompt atop the user message
            tries.append([{"role": "user", "content": f"{p.system}\n\n{p.user}"}])
        for k, messages in enumerate(tries):
            try:
                text = self._template.render(
                    messages=messages,
                    add_generation_prompt=True,
                    raise_exception=raise_exception,
                    **self._globals,
                    **extra,
                )
                break
            except TemplateFailed as exc:
                if k == len(tries) - 1:
                    raise self._error("refused a prompt", exc) from None
            except (jinja2.TemplateError, TypeError, ValueError) as exc:
                raise self._error("failed on a prompt", exc) from None
        if not think:
            text = close_think(text, self._user_end(text, p))
        return text

    def _user_end(self, text: str, p: Prompt) -> int:
        at = text.rfind(p.user) if p.user else -1
        return len(text) if at < 0 else at + len(p.user)

    def _split(self, text: str, p: Prompt) -> tuple[str, str]:
        """(conversation up to the end of the user message, what the template writes after it)."""
        end = self._user_end(text, p)
        return text[:end], text[end:]

    def score_pieces(self, p: Prompt) -> list[str]:
        """The rendered conversation, thinking closed, cut at the prompt's segments (see the module docstring)."""
        return cut(self._render(p, think=False), p)

    def generation_text(self, p: Prompt) -> tuple[str, str]:
        """(rendered conversation with thinking on, the think opening it ends in, or "")."""
        text = self._render(p, think=True)
        opening = open_think(text, self._user_end(text, p))
        return text, "" if opening is None else text[opening:]


PromptFormat = RawFormat | ChatFormat


def choose_format(option: str | None, metadata: dict[str, str], bos: str, eos: str, where: str) -> PromptFormat:
    """`?template=raw|chat`, else chat when the GGUF has a template and raw when not.

    Raises:
        InputError: an unknown choice, or chat asked of a GGUF without a template (one line, exit 2).
    """
    if option not in (None, *CHOICES):
        raise InputError(f"{where}?template={option}: must be one of {', '.join(CHOICES)}")
    source = metadata.get(TEMPLATE_KEY) or ""
    if option == "raw" or (option is None and not source):
        return RawFormat()
    if not source:
        raise InputError(f"{where}?template=chat: this GGUF has no chat template ({TEMPLATE_KEY}); use ?template=raw")
    return ChatFormat(source, bos, eos, where)


def open_think(text: str, start: int) -> int | None:
    """Offset of a think block opened after `start` and never closed, else None."""
    opened = None
    for m in OPEN_THINK.finditer(text, start):
        if f"</{m.group(1)}>" not in text[m.end() :]:
            opened = m.start()
    return opened


def close_think(text: str, start: int) -> str:
    """`text` with a think block left open after `start` replaced by an empty, closed one."""
    at = open_think(text, start)
    if at is None:
        return text
    tag = OPEN_THINK.match(text, at)
    assert tag is not None
    return f"{text[:at]}<{tag.group(1)}>\n\n</{tag.group(1)}>\n\n"


def cut(text: str, p: Prompt) -> list[str]:
    """`text` (a rendering of `p`) cut where `p.text` is cut: a boundary inside the user message moves
    with it, one before the message goes to its start. Without the message in `text`, one piece."""
    in_text, in_render = p.text.find(p.user), text.rfind(p.user)
    if not p.user or in_text < 0 or in_render < 0:
        return [text]
    cuts = {in_render + max(0, c - in_text) for c in p.segments if c < in_text + len(p.user)}
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def cuts_to_try(pieces: list[str]) -> list[list[str]]:
    """Cuts of a text to try, in order, until the pieces' tokens joined are the whole text's tokens (what one
    fresh evaluation of the text would see): as given; then with the white space that ends a piece moved
    to the start of the next (BPE tokenizers split "\n\nYou" as "\n", "\n", "You" but "\n\n" alone as
    one token); then the text uncut."""
    moved: list[str] = []
    carry = ""
    for k, piece in enumerate(pieces):
        piece = carry + piece
        body = piece.rstrip() if k < len(pieces) - 1 else piece
        carry = piece[len(body) :]
        moved.append(body)
    return [pieces, [m for m in moved if m], ["".join(pieces)]]


def label_plan(
    tokenize: Callable[[str], list[int]], decode: Callable[[int], str], fmt: PromptFormat, labels: tuple[str, ...]
) -> LabelPlan:
    """Which token each label is where the answer starts, by the model's own tokenizer: tokenize the
    text before the answer (`fmt.tail`) with and without the label and take what the label adds.

    Every label must be one distinct token there. White space around it is read through, the same for
    every label: a lone space token before a digit (`lead`), and trailing white space that the label's
    arrival splits differently (`drop` tokens of the prompt replaced by `lead`: BPE tokenizers write
    "\n\n" at the end of a text as one token but "\n\nA" as "\n", "\n", "A").

    Raises:
        InputError: a label that is not one token at that place (one line).
    """
    base = tokenize(fmt.tail)
    shapes: set[tuple[int, tuple[int, ...]]] = set()
    ids: list[int] = []
    for lab in labels:
        full = tokenize(fmt.tail + fmt.label_prefix + lab)
        same = next((i for i, (a, b) in enumerate(zip(base, full, strict=False)) if a != b), min(len(base), len(full)))
        dropped, added = base[same:], full[same:]
        if not added or any(decode(t).strip() for t in [*dropped, *added[:-1]]):
            shown = "+".join(repr(decode(t)) for t in added)
            raise InputError(
                f"label '{lab}' is not one token where the answer starts ({fmt.id} template: {shown}); "
                f"use single-token labels{' or ?template=raw' if fmt.id != 'raw' else ''}"
            )
        shapes.add((len(dropped), tuple(added[:-1])))
        ids.append(added[-1])
    if len(shapes) > 1 or len(set(ids)) != len(ids):
        raise InputError(f"labels {', '.join(labels)} are not distinct single tokens where the answer starts")
    ((drop, lead),) = shapes
    return LabelPlan(lead, tuple(ids), drop)


def _tojson(x: object, ensure_ascii: bool = False, indent: int | None = None, **kw: Any) -> str:
    """Templates' tojson as transformers renders it (no HTML escaping)."""
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, sort_keys=bool(kw.get("sort_keys")))

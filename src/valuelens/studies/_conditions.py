"""Conditions by name or text, resolved the same way from Python and from the command line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from valuelens.errors import InputError
from valuelens.lexicon import load_lexicon
from valuelens.prompts import Condition, read_text_arg
from valuelens.suites import Principle, load_principles, resolve_persona, resolve_principle


def principle_text(spec: str | Principle | None) -> str | None:
    """A principle's prompt text: a Principle, a bundled name, `@FILE`, or a text of several words.

    Raises:
        InputError: a single word that names no bundled principle, or an unreadable file.
    """
    if spec is None or isinstance(spec, Principle):
        return None if spec is None else spec.text
    is_text = len(spec.split()) > 1 and spec.strip().lower() not in load_principles()
    if is_text:
        return spec
    found = resolve_principle(spec)
    return found.text if found is not None else None


def condition(
    system_prompt: str | None = None, persona: str | None = None, principle: str | Principle | None = None
) -> Condition:
    """The prompt condition: system prompt TEXT or @FILE, persona name or text, principle name, @FILE or text."""
    return Condition(
        system_prompt=read_text_arg(system_prompt, "system prompt"),
        persona=resolve_persona(persona),
        principle=principle_text(principle),
    )


@dataclass(frozen=True)
class SweepCondition:
    """One column of the matrix: how the prompt was conditioned.

    Attributes:
        kind: "baseline", "persona", "principle" or "system_prompt".
        name: what the user passed (persona or principle name, or the system prompt's index).
        text: the text put into the prompt (None for the baseline).
        principle: the principle, with its supported and opposed lexicon values (principle conditions only).
    """

    kind: str
    name: str = ""
    text: str | None = None
    principle: Principle | None = None

    @property
    def label(self) -> str:
        return "baseline" if self.kind == "baseline" else f"{self.kind}:{self.name}"

    def run_kwargs(self) -> dict[str, str | None]:
        key = {"persona": "persona", "principle": "principle", "system_prompt": "system_prompt"}.get(self.kind)
        return {key: self.text} if key else {}


def _principle_condition(spec: str | Principle) -> SweepCondition:
    p = spec if isinstance(spec, Principle) else resolve_principle(spec)
    assert p is not None
    lex = load_lexicon()
    sup = tuple(dict.fromkeys(n for n in (lex.resolve(v) for v in p.supports) if n))
    opp = tuple(dict.fromkeys(n for n in (lex.resolve(v) for v in p.opposes) if n))
    p = p.model_copy(update={"supports": sup, "opposes": opp})
    return SweepCondition("principle", p.name or p.text[:40], p.text, p)


def conditions(
    personas: Sequence[str] = (), principles: Sequence[str | Principle] = (), system_prompts: Sequence[str] = ()
) -> list[SweepCondition]:
    """The baseline, then one condition per persona, principle and system prompt (duplicates dropped).

    Raises:
        InputError: an unknown principle name or an empty text.
    """
    out = [SweepCondition("baseline")]
    for p in personas:
        text = resolve_persona(p)
        if not text or not text.strip():
            raise InputError("--persona: empty persona")
        out.append(SweepCondition("persona", p.strip(), text))
    out += [_principle_condition(p) for p in principles]
    for i, arg in enumerate(system_prompts, start=1):
        s = read_text_arg(arg, "system prompt") or ""
        if not s or not s.strip():
            raise InputError("--system-prompt: empty system prompt")
        out.append(SweepCondition("system_prompt", str(i), s))
    seen: set[str] = set()
    unique = []
    for c in out:
        if c.label not in seen:
            seen.add(c.label)
            unique.append(c)
    return unique

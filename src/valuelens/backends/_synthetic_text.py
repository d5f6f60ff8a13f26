"""The synthetic model's free-text mode: it reasons in a think block, then states its choice in varied forms.

The choice of each answer is drawn from the same P(label) as the synthetic model's log-probabilities
(`label_probs`), so free text read correctly recovers the same truth. The forms vary as real models'
answers do: most state the label ("Answer: B", "**B**", "I'd go with option B"), some only describe the
chosen option ("the first one", or its text) so that only a judge can read them, and a few decline.

The synthetic model is also a judge: asked a judge prompt (annotations kind "judge"), it reads the
answer it is shown by the label it states, else by the ordinal or option text it names.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import ClassVar

import numpy as np

from valuelens.backends._base import Failed
from valuelens.prompts import Prompt

# share of answers in each form: label stated (rule), option described only (judge), refusal
FORMS = ("answer", "bold", "chatty", "boxed", "ordinal", "quoted", "refusal")
FORM_WEIGHTS = (0.3, 0.15, 0.2, 0.05, 0.15, 0.1, 0.05)
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
REFUSAL = "I'm sorry, but I would rather not choose for someone else here; both paths are defensible."


def _rng(*parts: object) -> np.random.Generator:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def write_answer(prompt: Prompt, pick: int, form: str) -> str:
    """One free-text answer that chooses option `pick` (index into the prompt's labels) in `form`."""
    from valuelens.runner._generate import option_lines  # the runner parses prompts; imported late (layering)

    labels = prompt.labels
    x, other = labels[pick], labels[1 - pick] if len(labels) > 1 else labels[pick]
    texts = dict(option_lines(prompt.user, labels))
    think = (
        f"<think>\nOption {other} has something going for it. Option {x} weighs more with me here, "
        f"though {other} is not unreasonable.\n</think>\n\n"
    )
    if form == "answer":
        return think + f"Weighing both, I settle on one.\n\nAnswer: {x}"
    if form == "bold":
        return think + f"**{x}**"
    if form == "chatty":
        return f"I'd go with option {x}: it matters more here than what option {other} offers."
    if form == "boxed":
        return think + f"\\boxed{{{x}}}"
    if form == "ordinal":
        return think + f"Both have merit, but the {ORDINALS[pick]} one seems right to me."
    if form == "quoted":
        chosen = texts.get(x, f"the {ORDINALS[pick]} option").rstrip(".")
        return f"On balance, I would {chosen[:1].lower()}{chosen[1:]}. That seems the better path."
    return REFUSAL


def read_as_judge(prompt: Prompt) -> str:
    """The synthetic judge's reply to a judge prompt: the chosen label, "N" for none, "R" for a refusal."""
    from valuelens.runner._free_text import read_by_rule  # runner reads answers; imported late (layering)

    a = prompt.annotations
    options = [(str(lab), str(text)) for lab, text in a.get("options", [])]  # type: ignore[union-attr]
    response = str(a.get("response", ""))
    labels = tuple(lab for lab, _ in options)
    neither, refused = prompt.labels[-2:]
    r = read_by_rule(response, labels)
    if r.status == "chosen" and r.label is not None:
        return r.label
    if r.status == "refused":
        return refused
    low = r.final.lower()
    phrases = {lab: text.rstrip(".").lower() for lab, text in options}
    named = {
        lab
        for i, (lab, text) in enumerate(phrases.items())
        if f"the {ORDINALS[i]} one" in low or re.search(rf"(?<![a-z]){re.escape(text)}(?![a-z])", low)
    }
    # "strongly agree" also contains the option "agree": the longer option named is the one meant
    named = {lab for lab in named if not any(o != lab and phrases[lab] in phrases[o] for o in named)}
    return named.pop() if len(named) == 1 else neither


class SyntheticFreeText:
    """Mixin of `SyntheticBackend`: `generate` writes free-text answers drawn from `label_probs`."""

    free_text: ClassVar[bool] = True

    def _sample_seed(self) -> int:
        return int(self.truth.seed)  # type: ignore[attr-defined]

    def _free_probs(self, p: Prompt) -> list[float]:
        """The choice probabilities behind a free-text answer: the log-probabilities' own, except that
        `think` scales the value preferences of a dilemma answer."""
        think = float(self.think)  # type: ignore[attr-defined]
        if think == 1.0 or p.annotations.get("kind", "dilemma") != "dilemma":
            return list(self.label_probs(p))  # type: ignore[attr-defined]
        truth = self.truth  # type: ignore[attr-defined]
        pf = self.p_first(p, dataclasses.replace(truth, strength=truth.strength * think))  # type: ignore[attr-defined]
        return [pf, 1.0 - pf]

    async def generate(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        self._count(prompts)  # type: ignore[attr-defined]
        out: list[list[str] | Failed] = []
        for p in prompts:
            rng = _rng("free", self._sample_seed(), p.system, p.text, n)
            if p.annotations.get("kind") == "judge":
                out.append([read_as_judge(p) for _ in range(n)])
                continue
            probs = np.asarray(self._free_probs(p), dtype=float)
            picks = rng.choice(len(p.labels), size=n, p=probs / probs.sum())
            forms = rng.choice(len(FORMS), size=n, p=np.asarray(FORM_WEIGHTS) / sum(FORM_WEIGHTS))
            # about 8 characters per token: a small budget cuts the answer off, as it would a real model's
            texts = [write_answer(p, int(k), FORMS[int(f)]) for k, f in zip(picks, forms, strict=True)]
            out.append([t[: max(1, max_tokens) * 8] for t in texts])
        return out

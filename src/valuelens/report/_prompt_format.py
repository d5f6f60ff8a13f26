"""How the prompts reached the model (raw text or a chat template), in words for headers."""

from __future__ import annotations

from typing import Any


def template_text(template: str) -> str:
    """`raw`, `chat:1a2b3c4d[+nothink]`, `chat` or `server` (see `valuelens.backends.template_of`) in words."""
    if template == "raw":
        return "raw text, no chat template"
    if template == "server":
        return "the server's chat template"
    if template == "chat":
        return "the tokenizer's chat template"
    name, _, flag = template.partition("+")
    think = ", scored after an empty think block" if flag == "nothink" else ""
    return f"chat template {name.removeprefix('chat:')}{think}"


def model_with_format(summary: dict[str, Any]) -> str:
    """`model (chat template 1a2b3c4d)` as the run header names it: the summary's model, and its prompt
    format where the summary has one (`template`)."""
    template = summary.get("template")
    return f"{summary['model']} ({template_text(template)})" if template else str(summary["model"])

"""How the prompts reached the model (raw text or a chat template), in words for headers."""

from __future__ import annotations


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

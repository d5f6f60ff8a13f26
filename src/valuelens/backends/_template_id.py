"""Which prompt format a backend used, read back from its fingerprint (so stored runs show it too)."""

from __future__ import annotations


def template_of(fingerprint: str) -> str | None:
    """How prompts reached the model: "raw" (plain completion text), "chat:<hash>[+nothink]" (a GGUF's chat
    template, short hash of its text; +nothink: scored with an empty think block), "chat" (a transformers
    tokenizer's template), "server" (a chat endpoint: the server applies its own template); None for
    providers where the question does not arise (simulated models, Anthropic's messages).

    Fingerprints of llama.cpp runs stored before templates were supported have no template: raw.
    """
    provider = fingerprint.partition(":")[0]
    if provider == "llamacpp":
        return fingerprint.partition(":template=")[2] or "raw"
    if provider == "hf":
        return "chat" if ":template=chat:" in fingerprint else "raw"
    if provider == "openai":
        query = fingerprint.partition("?")[2].partition("@")[0]
        return "raw" if "api=completions" in query.split("&") else "server"
    return None

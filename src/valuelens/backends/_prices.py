"""List prices for an estimated cost, read from a dated data file; models not in it report cost null.

The bundled table is `backends/data/prices.json`; `--prices FILE` (through `use_prices`) or
$VALUELENS_PRICES replaces it with a file of the same shape. Prices are USD per million tokens
(input, output); every `Price` carries the table's date, so a cost estimate can say how old its
prices are. Matching is by the longest table name that starts the model name
(`gpt-4o-mini-2024-07-18` matches `gpt-4o-mini`). Self-hosted models have no price.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from valuelens.errors import InputError

ENV = "VALUELENS_PRICES"
BUNDLED = "bundled"
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


@dataclass(frozen=True)
class Price:
    """USD per million input (prompt) and output (completion) tokens, as of `date`.

    `discount` multiplies the cost (0.5 for the providers' batch APIs)."""

    input: float
    output: float
    date: str = ""
    discount: float = 1.0

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.input + tokens_out * self.output) * self.discount / 1e6

    def batched(self, discount: float) -> Price:
        """The same price through a batch API (`discount` of the list price)."""
        return Price(self.input, self.output, self.date, discount)


@dataclass(frozen=True)
class PriceTable:
    """A dated price table: `source` is the file it came from ("bundled" for the shipped one)."""

    date: str
    source: str
    batch_discount: float
    prices: dict[str, dict[str, Price]] = field(default_factory=dict)

    def price_of(self, provider: str, model: str) -> Price | None:
        table = self.prices.get(provider, {})
        matches = [name for name in table if model == name or model.startswith(name + "-")]
        return table[max(matches, key=len)] if matches else None


def _number(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InputError(f"{where}: expected a non-negative number, got {value!r}")
    return float(value)


def parse_prices(data: object, source: str) -> PriceTable:
    """A `PriceTable` from decoded JSON; a bad field raises InputError naming the file and field."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a JSON object with 'date' and 'providers'")
    date = data.get("date")
    if not isinstance(date, str) or not _DATE.match(date):
        raise InputError(f"{source}: date: expected YYYY-MM-DD or YYYY-MM, got {date!r}")
    discount = _number(f"{source}: batch_discount", data.get("batch_discount", 0.5))
    providers = data.get("providers")
    if not isinstance(providers, dict) or not providers:
        raise InputError(f"{source}: providers: expected an object of provider -> model -> price")
    prices: dict[str, dict[str, Price]] = {}
    for provider, models in providers.items():
        if not isinstance(models, dict):
            raise InputError(f"{source}: providers.{provider}: expected an object of model -> price")
        prices[provider] = {}
        for model, p in models.items():
            where = f"{source}: providers.{provider}.{model}"
            if not isinstance(p, dict) or set(p) != {"input", "output"}:
                raise InputError(f"{where}: expected {{'input': USD, 'output': USD}} per million tokens")
            prices[provider][model] = Price(
                _number(f"{where}.input", p["input"]), _number(f"{where}.output", p["output"]), date
            )
    return PriceTable(date, source, discount, prices)


def load_prices(path: str | os.PathLike[str] | None = None) -> PriceTable:
    """The table in `path`, else in $VALUELENS_PRICES, else the bundled one."""
    path = path or os.environ.get(ENV) or None
    if path is None:
        text = resources.files("valuelens.backends").joinpath("data/prices.json").read_text(encoding="utf-8")
        return parse_prices(json.loads(text), BUNDLED)
    source = str(path)
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{source}: cannot read the price file ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    return parse_prices(data, source)


_active: PriceTable | None = None


def use_prices(path: str | os.PathLike[str] | None) -> PriceTable:
    """Make the table in `path` (or $VALUELENS_PRICES, or the bundled one) the one `price_of` reads."""
    global _active
    _active = load_prices(path)
    return _active


def current_prices() -> PriceTable:
    """The table in use: the one `use_prices` chose, else $VALUELENS_PRICES, else the bundled one."""
    return _active if _active is not None else load_prices()


def price_of(provider: str, model: str) -> Price | None:
    """The list price of `provider/model` in the table in use, or None when it is not there."""
    return current_prices().price_of(provider, model)

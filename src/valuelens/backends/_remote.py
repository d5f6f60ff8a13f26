"""What the remote providers (openai, anthropic) share: model-name options, endpoints, keys, the pool.

Model names take options after `?`: `openai/MODEL?api=completions&retries=3`. Options that change
answers are part of the fingerprint (and so of the cache keys); `retries` and `backoff` are not.
"""

from __future__ import annotations

import asyncio
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from valuelens.backends._base import BackendBase, Usage
from valuelens.backends._http import EndpointPool, RetryPolicy
from valuelens.backends._secrets import register_secret, secret, setting
from valuelens.errors import BackendError

C = TypeVar("C")

DEFAULT_TIMEOUT = 60.0
DEFAULT_CONCURRENCY = 64
COMMON_OPTIONS = ("retries", "backoff")


def parse_spec(provider: str, spec: str, options: dict[str, tuple[str, ...] | type]) -> tuple[str, dict[str, str]]:
    """`MODEL?k=v&...` -> (MODEL, options); `options` maps each allowed key to its allowed values or a type."""
    model, _, query = spec.partition("?")
    if not model:
        raise BackendError(f"{provider}/{spec}: no model name")
    try:
        pairs = dict(parse_qsl(query, strict_parsing=bool(query)))
    except ValueError:
        raise BackendError(f"{provider}/{spec}: bad options '{query}' (expected key=value&key=value)") from None
    allowed = {**options, "retries": int, "backoff": float}
    for key, value in pairs.items():
        rule = allowed.get(key)
        if rule is None:
            raise BackendError(f"{provider}/{spec}: unknown option '{key}' (known: {', '.join(allowed)})")
        if isinstance(rule, tuple) and value not in rule:
            raise BackendError(f"{provider}/{spec}: {key} must be one of {', '.join(rule)}, got '{value}'")
        if isinstance(rule, type):
            try:
                if rule(value) < 0:
                    raise ValueError
            except ValueError:
                raise BackendError(f"{provider}/{spec}: {key} must be a non-negative number, got '{value}'") from None
    return model, pairs


def public_url(url: str) -> str:
    """The URL without user:password@ and trailing slash (safe for fingerprints and messages)."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        raise BackendError(f"base URL '{public_url_hint(url)}': expected http(s)://host[:port][/path]")
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def public_url_hint(url: str) -> str:
    return url.split("@")[-1][:80]


class RemoteBackend(BackendBase, Generic[C]):
    """Base of HTTP backends: one SDK client per endpoint and event loop, an adaptive pool, usage counters.

    Subclasses set `provider`, `env_prefix` and `default_url`, and implement `make_client(url)`.
    """

    provider = ""
    env_prefix = ""
    default_url = ""
    reads_annotations = False
    max_batch = 1  # one prompt per call: each answer is committed as it arrives

    def __init__(
        self,
        spec: str,
        options: dict[str, tuple[str, ...] | type],
        base_urls: list[str] | None = None,
        timeout: float | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        self.model, self.options = parse_spec(self.provider, spec, options)
        self.name = f"{self.provider}/{spec}"
        urls = list(base_urls or [])
        if not urls:
            env_url = setting(f"{self.env_prefix}_BASE_URL")
            urls = [u for u in (env_url or self.default_url).split(",") if u.strip()]
        self.base_urls = list(dict.fromkeys(public_url(u) for u in urls))
        self._raw_urls = {public_url(u): u.strip().rstrip("/") for u in urls}
        for u in urls:  # user:password@ in a URL is a secret too
            userinfo = urlsplit(u.strip()).netloc.rpartition("@")[0]
            if userinfo:
                register_secret(userinfo)
        self.official = self.base_urls == [public_url(self.default_url)]
        self.api_key = secret(f"{self.env_prefix}_API_KEY")
        if not self.api_key and self.official:
            raise BackendError(
                f"{self.name}: no API key: set {self.env_prefix}_API_KEY in the environment or in ./.env"
            )
        self.timeout = float(timeout or DEFAULT_TIMEOUT)
        self.max_concurrency = int(max_concurrency or DEFAULT_CONCURRENCY)
        retries = int(self.options.get("retries", RetryPolicy.attempts - 1))
        self.policy = RetryPolicy(attempts=retries + 1, base=float(self.options.get("backoff", RetryPolicy.base)))
        self.usage = Usage()
        self._pool: EndpointPool[C] | None = None
        self.last_pool: dict[str, Any] = {}  # limits and peak in flight of the last closed pool
        self._loop: asyncio.AbstractEventLoop | None = None

    def fingerprint_of(self, shaping: dict[str, Any]) -> str:
        """Identity for cache keys: provider, model, endpoints, and the options that shape answers."""
        opts = "&".join(f"{k}={v}" for k, v in sorted(shaping.items()))
        return f"{self.provider}:{self.model}?{opts}@{','.join(sorted(self.base_urls))}"

    def make_client(self, url: str) -> C:
        raise NotImplementedError

    def pool(self) -> EndpointPool[C]:
        """The pool of this event loop (SDK clients hold connections that belong to one loop)."""
        loop = asyncio.get_running_loop()
        if self._pool is None or self._loop is not loop:
            clients = [(u, self.make_client(self._raw_urls[u])) for u in self.base_urls]
            self._pool = EndpointPool.of(clients, self.max_concurrency, self.policy)
            self._loop = loop
        return self._pool

    async def aclose(self) -> None:
        """Close this loop's connections; the backend stays usable (a new loop gets new clients)."""
        pool, self._pool, self._loop = self._pool, None, None
        if pool is not None:
            self.last_pool = {"limits": pool.limits(), "peak_in_flight": pool.peak_in_flight}
            for ep in pool.endpoints:
                close = getattr(ep.client, "close", None)
                if close is not None:
                    await close()

    def close(self) -> None:
        self._pool = None

"""API keys: read from the environment or a `.env` file, and scrubbed from every message we keep.

A key is registered the moment a backend reads it; from then on `scrub` removes it (and any
`Bearer ...` token) from failure reasons, exception texts and log records.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from valuelens.errors import InputError

REDACTED = "***"
_known: set[str] = set()
_BEARER = re.compile(r"(?i)(bearer\s+|x-api-key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+")
_factory_installed = False


def read_dotenv(path: str | os.PathLike[str] = ".env") -> dict[str, str]:
    """`NAME=value` lines of a .env file (comments, blank lines, `export ` and quotes handled); {} if absent."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError:
        return {}
    except UnicodeDecodeError as exc:  # one line, and never the file's content (it holds keys)
        line = exc.object[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text ({exc.reason})") from None
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[name.strip()] = value
    return out


def setting(name: str, dotenv: str | os.PathLike[str] = ".env") -> str | None:
    """`$NAME` if set and non-empty, else NAME from ./.env, else None."""
    value = os.environ.get(name) or read_dotenv(dotenv).get(name) or None
    return value


def secret(name: str, dotenv: str | os.PathLike[str] = ".env") -> str | None:
    """Like `setting`, and registers the value so that `scrub` removes it from then on."""
    value = setting(name, dotenv)
    if value:
        register_secret(value)
    return value


def register_secret(value: str) -> None:
    """Remember a secret value; install the log scrubber on first use."""
    if len(value) >= 4:  # shorter values would redact ordinary words
        _known.add(value)
        _install_log_scrubber()


def scrub(text: str) -> str:
    """`text` without any registered secret or bearer token."""
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)


def _install_log_scrubber() -> None:
    """Scrub every log record as it is created, whichever library logs it (SDKs log at debug level)."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)  # type: ignore[arg-type]
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not format: leave it to the handler
            return record
        clean = scrub(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:  # tracebacks quote exception texts
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True

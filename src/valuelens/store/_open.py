"""Open the store's SQLite file, read-write when it can be written and read-only when not, and say
in one line what is wrong when it cannot be opened (damaged, a directory, a parent that is a file)."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar
from urllib.parse import quote

from valuelens.errors import EnvironmentProblem, StoreDamaged, os_reason

_DAMAGED = ("file is not a database", "malformed", "disk image", "file is encrypted")
P = ParamSpec("P")
T = TypeVar("T")


def salvage_hint(path: Path) -> str:
    return f"run `valuelens store check {path} --salvage NEW.sqlite` to copy what is readable"


def problem(path: Path, exc: sqlite3.Error | OSError) -> EnvironmentProblem:
    """The one-line problem for an error raised while opening or using the store at `path`."""
    if isinstance(exc, OSError):
        return EnvironmentProblem(f"{path}: cannot open the store ({os_reason(exc)})")
    msg = str(exc)
    if any(m in msg for m in _DAMAGED):
        return StoreDamaged(f"{path}: the store is damaged ({msg}); {salvage_hint(path)}, or use --store elsewhere")
    if "readonly" in msg or "read-only" in msg:
        return read_only(path)
    if "locked" in msg or "busy" in msg:
        return EnvironmentProblem(f"{path}: the store is locked by another process ({msg}); try again")
    return EnvironmentProblem(f"{path}: cannot use the store ({msg})")


def read_only(path: Path) -> EnvironmentProblem:
    return EnvironmentProblem(
        f"{path}: the store is read-only; reading works (runs, show, report, export) but this command "
        "writes to it: make it writable or give another --store"
    )


def guarded(path_of: Callable[..., Path]) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorate a store method so that SQLite and OS errors become one-line EnvironmentProblems."""

    def wrap(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except (sqlite3.Error, OSError) as exc:
                raise problem(path_of(args[0]), exc) from None

        return inner

    return wrap


def _writable(path: Path) -> bool:
    """Whether the store file (or, when it does not exist yet, its folder) can be written."""
    if path.exists():
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
    return os.access(path.parent, os.W_OK | os.X_OK)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection (URI mode=ro); `immutable` when the folder cannot hold WAL side files."""
    base = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        db = sqlite3.connect(base, uri=True, isolation_level=None, timeout=30.0)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        if "unable to open" not in str(exc):
            raise
    db = sqlite3.connect(base + "&immutable=1", uri=True, isolation_level=None)
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return db


def open_db(path: Path, schema: str) -> tuple[sqlite3.Connection, bool]:
    """(connection, read_only) for the store at `path`, with the schema in place when writable.

    Raises:
        EnvironmentProblem: the path is a directory, its parent a file, the store is damaged, or it
            cannot be created; a read-only store opens read-only instead.
    """
    if path.is_dir():
        raise EnvironmentProblem(f"{path}: the store path is a directory; give a file, e.g. {path / 'store.sqlite'}")
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise EnvironmentProblem(f"{path}: cannot create the store there ({blocker} is a file, not a folder)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvironmentProblem(f"{path}: cannot create the store's folder ({os_reason(exc)})") from None
    try:
        if not _writable(path):
            if not path.exists():
                raise EnvironmentProblem(f"{path}: cannot create the store (its folder is not writable)")
            return connect_read_only(path), True
        db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(schema)  # idempotent; executescript manages its own transaction
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc):
                raise
            db.close()  # e.g. a read-only file system: read what is there
            return connect_read_only(path), True
        return db, False
    except (sqlite3.Error, OSError) as exc:
        raise problem(path, exc) from None

"""Claims with a lease: a prompt in flight in one process is not asked again by another.

Before a process asks a batch it claims the batch's keys for LEASE_SECONDS (renewed while it
works). Another process running the same prompts skips keys claimed by a live owner, waits for
their answers, and asks only what is freed: an owner's claims lapse when its lease runs out or,
on the same machine, as soon as its process is gone (so a rerun after a kill waits for nothing).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from valuelens.store._open import guarded

LEASE_SECONDS = 120.0
POLL_SECONDS = 0.1
_HOST = socket.gethostname()


def _alive(owner: str) -> bool:
    """Whether a claim's owner may still be working (always True for another machine)."""
    host, _, rest = owner.rpartition("|pid=")
    pid = rest.split("|", 1)[0]
    if host != _HOST or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ClaimsMixin:
    """Store methods for claims (the `claims` table); mixed into Store."""

    _db: sqlite3.Connection
    path: Path
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    @guarded(lambda store: store.path)
    def claim(self, keys: Iterable[str], owner: str, lease: float = LEASE_SECONDS) -> list[str]:
        """Claim the unanswered `keys` no live owner holds; returns those `owner` now holds, in order."""
        keys = list(dict.fromkeys(keys))
        now, got = time.time(), []
        with self.transaction() as db:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                held = {k: (o, e) for k, o, e in db.execute(f"SELECT * FROM claims WHERE key IN ({marks})", chunk)}
                done = {
                    k for (k,) in db.execute(f"SELECT key FROM responses WHERE status='ok' AND key IN ({marks})", chunk)
                }
                for k in chunk:
                    other = held.get(k)
                    if k in done or (other and other[0] != owner and other[1] > now and _alive(other[0])):
                        continue
                    got.append(k)
            db.executemany(
                "INSERT INTO claims (key, owner, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET owner=excluded.owner, expires=excluded.expires",
                [(k, owner, now + lease) for k in got],
            )
        return got

    @guarded(lambda store: store.path)
    def renew_claims(self, owner: str, lease: float = LEASE_SECONDS) -> None:
        with self.transaction() as db:
            db.execute("UPDATE claims SET expires=? WHERE owner=?", (time.time() + lease, owner))

    @guarded(lambda store: store.path)
    def release_claims(self, owner: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM claims WHERE owner=?", (owner,))


class Lease:
    """One process's claims on a store during `execute`: take batches, wait for others' answers."""

    def __init__(self, store: Any, seconds: float = LEASE_SECONDS) -> None:
        self.store = store
        self.seconds = seconds
        self.owner = f"{_HOST}|pid={os.getpid()}|{uuid.uuid4().hex[:8]}"
        self.deferred: list[str] = []
        self.held = False  # nothing to renew or release until a claim is made (a read-only store reads on)

    def take(self, keys: list[str]) -> list[str]:
        """The keys of a batch this process should ask now; the rest wait in `deferred`."""
        mine = set(self.store.claim(keys, self.owner, self.seconds))
        self.held = True
        self.deferred += [k for k in keys if k not in mine]
        return [k for k in keys if k in mine]

    async def keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.seconds / 4)
            if self.held:
                self.store.renew_claims(self.owner, self.seconds)

    async def wait(self) -> tuple[dict[str, Any], list[str]]:
        """Wait until some deferred keys are answered (returned with their answers) or freed (to ask)."""
        while True:
            answered = self.store.get_ok(self.deferred)
            rest = [k for k in self.deferred if k not in answered]
            free = self.store.claim(rest, self.owner, self.seconds) if rest else []
            if answered or free:
                self.deferred = [k for k in rest if k not in set(free)]
                return answered, free
            await asyncio.sleep(POLL_SECONDS)

    def release(self) -> None:
        if self.held:
            self.store.release_claims(self.owner)

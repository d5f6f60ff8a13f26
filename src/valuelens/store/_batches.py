"""Provider batches in flight, kept in the store so that a killed process resumes polling them.

A batch is recorded (its id and which prompt each of its requests answers) in the same transaction
right after the provider accepted it; answers still go to the `responses` table through
`Store.put_response`, under the same cache keys as live calls. A batch is closed once its results
are in the store. A prompt whose answer needs another kind of request (a log-probability answer with
no label in the top-k is asked again by sampling) gets a hint that the next submission reads.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from valuelens.store._sqlite import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    info TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_requests (
    batch_id TEXT NOT NULL,
    custom_id TEXT NOT NULL,
    key TEXT NOT NULL,
    mode TEXT NOT NULL,
    PRIMARY KEY (batch_id, custom_id)
);
CREATE TABLE IF NOT EXISTS batch_hints (
    fingerprint TEXT NOT NULL,
    key TEXT NOT NULL,
    mode TEXT NOT NULL,
    PRIMARY KEY (fingerprint, key)
);
"""

OPEN = "open"


@dataclass(frozen=True)
class BatchRequest:
    """One request line of a batch: `custom_id` answers prompt `key` in `mode` ("logprobs" or "sample")."""

    custom_id: str
    key: str
    mode: str


@dataclass
class OpenBatch:
    """A batch the provider accepted whose results are not in the store yet."""

    batch_id: str
    provider: str
    fingerprint: str
    created: float
    requests: list[BatchRequest] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return {r.key for r in self.requests}


class BatchLedger:
    """The batch tables of a `Store` (created on first use; the response tables are untouched)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._db = store._db  # one connection per store file: same transactions as the responses
        self._db.executescript(_SCHEMA)

    def record(
        self, batch_id: str, provider: str, fingerprint: str, requests: list[BatchRequest], info: dict[str, str]
    ) -> None:
        """Keep a batch the provider accepted, with the prompt of each request, in one transaction."""
        now = time.time()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO batches (batch_id, provider, fingerprint, status, info, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (batch_id, provider, fingerprint, OPEN, json.dumps(info, sort_keys=True), now, now),
            )
            db.executemany(
                "INSERT INTO batch_requests (batch_id, custom_id, key, mode) VALUES (?, ?, ?, ?)",
                [(batch_id, r.custom_id, r.key, r.mode) for r in requests],
            )

    def open_batches(self, fingerprint: str) -> list[OpenBatch]:
        """Batches of this backend (fingerprint) still waiting for their results, oldest first."""
        rows = self._db.execute(
            "SELECT batch_id, provider, fingerprint, created FROM batches WHERE status=? AND fingerprint=? "
            "ORDER BY created",
            (OPEN, fingerprint),
        ).fetchall()
        out = [OpenBatch(b, p, f, c) for b, p, f, c in rows]
        for batch in out:
            reqs = self._db.execute(
                "SELECT custom_id, key, mode FROM batch_requests WHERE batch_id=? ORDER BY rowid", (batch.batch_id,)
            )
            batch.requests = [BatchRequest(c, k, m) for c, k, m in reqs]
        return out

    def close(self, batch_id: str, status: str) -> None:
        """Mark a batch done (its results are stored) or ended otherwise (`status`: ended, expired, failed...)."""
        with self.store.transaction() as db:
            db.execute("UPDATE batches SET status=?, updated=? WHERE batch_id=?", (status, time.time(), batch_id))

    def status(self, batch_id: str) -> str | None:
        row = self._db.execute("SELECT status FROM batches WHERE batch_id=?", (batch_id,)).fetchone()
        return None if row is None else str(row[0])

    def hint(self, fingerprint: str, key: str, mode: str) -> None:
        """Ask prompt `key` in `mode` next time (a log-probability answer that named no label)."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO batch_hints (fingerprint, key, mode) VALUES (?, ?, ?) "
                "ON CONFLICT(fingerprint, key) DO UPDATE SET mode=excluded.mode",
                (fingerprint, key, mode),
            )

    def hints(self, fingerprint: str, keys: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, mode FROM batch_hints WHERE fingerprint=? AND key IN ({marks})", [fingerprint, *chunk]
            )
            out.update((k, m) for k, m in rows)
        return out

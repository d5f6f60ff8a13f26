"""SQLite store: every response keyed by a hash of what shaped it, runs, and which prompts a run asked.

The responses of each batch are committed together as it arrives (WAL journal), so a crash or kill loses at most
the requests in flight, and a rerun finds everything else cached.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from valuelens._io import note_input
from valuelens.store._claims import ClaimsMixin
from valuelens.store._open import guarded, open_db, read_only
from valuelens.store._records import ResponseRow, RunRecord

DEFAULT_STORE = Path(".valuelens") / "store.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    error TEXT,
    tokens_prompt INTEGER NOT NULL DEFAULT 0,
    tokens_evaluated INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 1,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    suite TEXT NOT NULL,
    spec TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    status TEXT NOT NULL,
    stats TEXT
);
CREATE TABLE IF NOT EXISTS run_items (
    run_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    variant INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (run_id, item_id, variant, ord)
);
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS run_payloads (
    run_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (run_id, item_id)
);
"""


_UPSERT_RESPONSE = """INSERT INTO responses (key, backend, kind, status, result, error, tokens_prompt,
       tokens_evaluated, attempts, created)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
   ON CONFLICT(key) DO UPDATE SET
       status=excluded.status, result=excluded.result, error=excluded.error,
       tokens_prompt=excluded.tokens_prompt, tokens_evaluated=excluded.tokens_evaluated,
       attempts=responses.attempts + 1, created=excluded.created
   WHERE responses.status != 'ok'"""


def resolve_store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """--store PATH, else $VALUELENS_STORE, else ./.valuelens/store.sqlite."""
    if path:
        return Path(path).expanduser()
    env = os.environ.get("VALUELENS_STORE")
    return Path(env).expanduser() if env else DEFAULT_STORE


_ADDITIVE_STATS = (
    *("model_calls", "tokens_prompt", "tokens_evaluated", "tokens_completion", "cost_usd", "model_cost_usd", "seconds"),
)
"""Fields of ``runs.stats`` (and of its ``judge`` part) that add up over the invocations of a run."""


def _added(before: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    """`stats` with the additive fields of `before` added; a judge part of the same judge model too."""
    merged = dict(stats)
    for key in _ADDITIVE_STATS:
        old, new = before.get(key), stats.get(key)
        if isinstance(old, int | float) and isinstance(new, int | float):
            merged[key] = old + new
        elif new is None and old is not None:
            merged[key] = old
    old_judge, new_judge = before.get("judge"), stats.get("judge")
    if isinstance(old_judge, dict) and isinstance(new_judge, dict) and old_judge.get("model") == new_judge.get("model"):
        merged["judge"] = _added(old_judge, new_judge)
    elif new_judge is None and old_judge is not None:  # an invocation that asked no judge keeps the earlier part
        merged["judge"] = old_judge
    return merged


def _path(store: Store) -> Path:
    return store.path


class Store(ClaimsMixin):
    """One SQLite file. Open with `Store(path)`; usable as a context manager.

    A store that cannot be written (read-only file, folder or file system) opens read-only:
    reading works, and the first write raises EnvironmentProblem. Any SQLite or OS error of a
    method is one EnvironmentProblem line naming the store (StoreDamaged when it is damaged).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_store_path(path)
        note_input(self.path)  # no output file of this command may replace the store
        self._db, self.read_only = open_db(self.path, _SCHEMA)
        if not self.read_only:
            with self.transaction():
                self._db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.read_only:
            raise read_only(self.path)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # responses -------------------------------------------------------------------------------------
    @guarded(_path)
    def get_ok(self, keys: Iterable[str]) -> dict[str, Any]:
        """Answered responses among `keys`: key -> decoded result."""
        out: dict[str, Any] = {}
        keys = list(dict.fromkeys(keys))
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, result FROM responses WHERE status='ok' AND key IN ({marks})", chunk)
            out.update((k, json.loads(r)) for k, r in rows)
        return out

    @guarded(_path)
    def failures(self, keys: Iterable[str]) -> dict[str, str]:
        """Failed responses among `keys`: key -> reason."""
        out: dict[str, str] = {}
        keys = list(dict.fromkeys(keys))
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, error FROM responses WHERE status='failed' AND key IN ({marks})", chunk
            )
            out.update((k, e or "") for k, e in rows)
        return out

    @guarded(_path)
    def put_response(
        self,
        key: str,
        backend: str,
        kind: str,
        result: Any = None,
        error: str | None = None,
        tokens_prompt: int = 0,
        tokens_evaluated: int = 0,
    ) -> None:
        """Commit one response (answer, or failure with its reason). A failure never overwrites an answer."""
        self.put_responses([ResponseRow(key, backend, kind, result, error, tokens_prompt, tokens_evaluated)])

    def put_responses(self, rows: list[ResponseRow]) -> None:
        """Commit several responses in one transaction (as `put_response` does for one)."""
        now = time.time()
        params = [
            (r.key, r.backend, r.kind, "ok" if r.error is None else "failed", json.dumps(r.result), r.error, *tokens)
            for r in rows
            for tokens in [(r.tokens_prompt, r.tokens_evaluated, now)]
        ]
        with self.transaction() as db:
            db.executemany(_UPSERT_RESPONSE, params)

    # runs ------------------------------------------------------------------------------------------
    @guarded(_path)
    def begin_run(
        self,
        run_id: str,
        kind: str,
        model: str,
        fingerprint: str,
        suite: str,
        spec: dict[str, Any],
        items: list[tuple[str, int, int, str]],
        payloads: dict[str, dict[str, Any]],
    ) -> None:
        """Record a run, the keys of every prompt it asks and its items, in one transaction."""
        now = time.time()
        with self.transaction() as db:
            db.execute(
                """INSERT INTO runs (run_id, kind, model, fingerprint, suite, spec, created, updated, status)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')
                   ON CONFLICT(run_id) DO UPDATE SET updated=excluded.updated""",
                (run_id, kind, model, fingerprint, suite, json.dumps(spec, sort_keys=True), now, now),
            )
            db.executemany(
                "INSERT OR IGNORE INTO run_items (run_id, item_id, variant, ord, key) VALUES (?, ?, ?, ?, ?)",
                [(run_id, i, v, o, k) for i, v, o, k in items],
            )
            db.executemany(
                "INSERT OR IGNORE INTO run_payloads (run_id, item_id, payload) VALUES (?, ?, ?)",
                [(run_id, i, json.dumps(p, sort_keys=True)) for i, p in payloads.items()],
            )

    @guarded(_path)
    def finish_run(self, run_id: str, status: str, stats: dict[str, Any], accumulate: bool = True) -> None:
        """Record an invocation's end. Costs (model calls, tokens, cost, seconds) add up over the
        invocations that finished, so a cached rerun does not hide what the run took; the other
        fields (cached calls, failures) describe the latest invocation; ``invocations`` counts them.
        ``accumulate=False`` replaces the stats instead (e.g. an import that describes a whole log)."""
        with self.transaction() as db:
            row = db.execute("SELECT stats FROM runs WHERE run_id=?", (run_id,)).fetchone()
            before = json.loads(row[0]) if accumulate and row and row[0] else {}
            merged = _added(before, stats)
            merged["invocations"] = int(before.get("invocations", 1 if before else 0)) + 1
            db.execute(
                "UPDATE runs SET status=?, stats=?, updated=? WHERE run_id=?",
                (status, json.dumps(merged, sort_keys=True), time.time(), run_id),
            )

    @guarded(_path)
    def get_run(self, run_id: str) -> RunRecord | None:
        """A run by id or by a unique prefix of its id."""
        rows = self._db.execute(
            "SELECT run_id, kind, model, fingerprint, suite, spec, created, updated, status, stats "
            "FROM runs WHERE run_id LIKE ? ORDER BY created",
            (run_id.replace("%", "") + "%",),
        ).fetchall()
        if len(rows) != 1:
            return None
        r = rows[0]
        return RunRecord(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8], json.loads(r[9] or "{}"))

    @guarded(_path)
    def list_runs(self) -> list[RunRecord]:
        rows = self._db.execute("SELECT run_id FROM runs ORDER BY updated DESC").fetchall()
        return [rec for (rid,) in rows if (rec := self.get_run(rid)) is not None]

    @guarded(_path)
    def run_items(self, run_id: str) -> list[tuple[str, int, int, str]]:
        rows = self._db.execute(
            "SELECT item_id, variant, ord, key FROM run_items WHERE run_id=? ORDER BY rowid", (run_id,)
        )
        return [(i, v, o, k) for i, v, o, k in rows]

    @guarded(_path)
    def run_payloads(self, run_id: str) -> dict[str, dict[str, Any]]:
        rows = self._db.execute("SELECT item_id, payload FROM run_payloads WHERE run_id=? ORDER BY rowid", (run_id,))
        return {i: json.loads(p) for i, p in rows}

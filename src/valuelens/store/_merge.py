"""Combine stores written on several machines (for example the shards of one run) into a new store.

Responses are keyed by a hash of everything that shaped them, so the same key in two stores is the
same question: it is kept once (an answer wins over a failure; of two different answers the first
store's is kept and counted). Runs with the same id must agree on what they are (kind, model,
fingerprint, suite, spec, and the key of every prompt); otherwise the merge is refused with one line
and nothing is written. The output is built in a temporary file and renamed into place at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from valuelens.errors import InputError
from valuelens.store._sqlite import _ADDITIVE_STATS, SCHEMA_VERSION, Store

_RUN_FIELDS = ("kind", "model", "fingerprint", "suite", "spec")
_RESPONSE_COLUMNS = "key, backend, kind, status, result, error, tokens_prompt, tokens_evaluated, attempts, created"


@dataclass(frozen=True)
class MergeResult:
    """What a merge did.

    Attributes:
        out: the store written.
        responses: responses in it.
        duplicates: responses found in more than one input with the same content (kept once).
        differing: keys answered differently in two inputs (the first input's answer kept).
        runs: runs in it; complete: those with every prompt answered.
    """

    out: Path
    responses: int
    duplicates: int
    differing: int
    runs: int
    complete: int


def _check_inputs(out: Path, sources: list[Path]) -> None:
    if len(sources) < 2:
        raise InputError("store merge: name the output and at least two stores to merge")
    if out.exists():
        raise InputError(f"{out}: already exists; store merge writes a new store")
    for src in sources:
        if not src.is_file():
            raise InputError(f"{src}: no such store file")
        if src.resolve() in {s.resolve() for s in sources if s is not src}:
            raise InputError(f"{src}: named twice")


def _attach(db: sqlite3.Connection, src: Path) -> None:
    try:
        db.execute("ATTACH DATABASE ? AS src", (f"file:{quote(str(src.resolve()))}?mode=ro",))
        row = db.execute("SELECT value FROM src.meta WHERE key='schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{src}: not a valuelens store ({exc})") from None
    if row is None or row[0] != str(SCHEMA_VERSION):
        raise InputError(f"{src}: store schema {row[0] if row else '?'}, expected {SCHEMA_VERSION}")


def _check_runs(db: sqlite3.Connection, src: Path) -> None:
    """Refuse (one line) a run of `src` that has the same id as a merged run but is another run."""
    cols = ", ".join(f"m.{f} != s.{f}" for f in _RUN_FIELDS)
    rows = db.execute(f"SELECT s.run_id, {cols} FROM src.runs s JOIN main.runs m USING (run_id)").fetchall()
    for run_id, *diff in rows:
        fields = [f for f, d in zip(_RUN_FIELDS, diff, strict=True) if d]
        if fields:
            raise InputError(
                f"{src}: run {run_id} conflicts with the same run in an earlier store ({fields[0]} differs)"
            )
    bad = db.execute(
        "SELECT s.run_id, s.item_id FROM src.run_items s JOIN main.run_items m "
        "USING (run_id, item_id, variant, ord) WHERE s.key != m.key LIMIT 1"
    ).fetchone()
    if bad is None:
        bad = db.execute(
            "SELECT s.run_id, s.item_id FROM src.run_payloads s JOIN main.run_payloads m "
            "USING (run_id, item_id) WHERE s.payload != m.payload LIMIT 1"
        ).fetchone()
    if bad is not None:
        raise InputError(f"{src}: run {bad[0]} conflicts with the same run in an earlier store (item {bad[1]} differs)")


def _merge_stats(old: str | None, new: str | None) -> str:
    a, b = json.loads(old or "{}"), json.loads(new or "{}")
    merged = {**a, **b}
    for key in _ADDITIVE_STATS:
        if isinstance(a.get(key), int | float) and isinstance(b.get(key), int | float):
            merged[key] = a[key] + b[key]
    merged["invocations"] = int(a.get("invocations", 1 if a else 0)) + int(b.get("invocations", 1 if b else 0))
    return json.dumps(merged, sort_keys=True)


def _merge_one(db: sqlite3.Connection, src: Path) -> tuple[int, int]:
    """Copy `src` (attached as `src`) into main; returns (duplicates, differing)."""
    _check_runs(db, src)
    dup, diff = db.execute(
        "SELECT COALESCE(SUM(s.result = m.result), 0), COALESCE(SUM(s.result != m.result), 0) "
        "FROM src.responses s JOIN main.responses m USING (key) WHERE s.status='ok' AND m.status='ok'"
    ).fetchone()
    db.execute(
        f"INSERT INTO main.responses ({_RESPONSE_COLUMNS}) SELECT {_RESPONSE_COLUMNS} FROM src.responses WHERE true "
        "ON CONFLICT(key) DO UPDATE SET status=excluded.status, result=excluded.result, error=excluded.error, "
        "tokens_prompt=excluded.tokens_prompt, tokens_evaluated=excluded.tokens_evaluated, created=excluded.created "
        "WHERE responses.status != 'ok' AND excluded.status = 'ok'"
    )
    for run_id, stats, created, updated in db.execute(
        "SELECT s.run_id, s.stats, s.created, s.updated FROM src.runs s JOIN main.runs m USING (run_id)"
    ).fetchall():
        old = db.execute("SELECT stats FROM main.runs WHERE run_id=?", (run_id,)).fetchone()[0]
        db.execute(
            "UPDATE main.runs SET stats=?, created=MIN(created, ?), updated=MAX(updated, ?) WHERE run_id=?",
            (_merge_stats(old, stats), created, updated, run_id),
        )
    db.execute("INSERT OR IGNORE INTO main.runs SELECT * FROM src.runs")
    db.execute("INSERT OR IGNORE INTO main.run_items SELECT * FROM src.run_items")
    db.execute("INSERT OR IGNORE INTO main.run_payloads SELECT * FROM src.run_payloads")
    return int(dup), int(diff)


def _settle_runs(db: sqlite3.Connection) -> int:
    """Status from the merged answers: complete when every prompt of the run is answered; returns how many."""
    rows = db.execute(
        "SELECT i.run_id, COUNT(*), SUM(r.status = 'ok'), SUM(r.status = 'failed') FROM run_items i "
        "LEFT JOIN responses r USING (key) GROUP BY i.run_id"
    ).fetchall()
    complete = 0
    for run_id, total, ok, failed in rows:
        done = (ok or 0) == total
        complete += done
        stats = json.loads(db.execute("SELECT stats FROM runs WHERE run_id=?", (run_id,)).fetchone()[0] or "{}")
        stats["failed"] = int(failed or 0)
        db.execute(
            "UPDATE runs SET status=?, stats=? WHERE run_id=?",
            ("complete" if done else "incomplete", json.dumps(stats, sort_keys=True), run_id),
        )
    return complete


def merge_stores(out: str | os.PathLike[str], sources: list[str | os.PathLike[str]]) -> MergeResult:
    """Write a new store at `out` holding every response and run of `sources` (see the module docstring).

    Raises:
        InputError: `out` exists, an input is missing or not a store, or two inputs hold conflicting runs
            (nothing is written then).
    """
    out_path, paths = Path(out), [Path(s) for s in sources]
    _check_inputs(out_path, paths)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        Store(tmp).close()  # the schema
        db = sqlite3.connect(f"file:{quote(str(tmp.resolve()))}", isolation_level=None, uri=True)
        db.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to rename into place
        dup = diff = 0
        try:
            for src in paths:
                _attach(db, src)
                db.execute("BEGIN")
                d1, d2 = _merge_one(db, src)
                db.execute("COMMIT")
                db.execute("DETACH DATABASE src")
                dup, diff = dup + d1, diff + d2
            db.execute("BEGIN")
            complete = _settle_runs(db)
            db.execute("COMMIT")
            n_resp = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
            n_runs = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            db.close()
        os.replace(tmp, out_path)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"store merge: {exc}") from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return MergeResult(out_path, int(n_resp), dup, diff, int(n_runs), complete)

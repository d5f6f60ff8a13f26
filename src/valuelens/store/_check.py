"""`valuelens store check`: is a store sound, and copy what is still readable into a new store."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from valuelens._io import atomic_path
from valuelens.errors import InputError
from valuelens.store._open import connect_read_only
from valuelens.store._sqlite import _SCHEMA

TABLES = {
    "meta": ("key", "value"),
    "responses": (
        "key", "backend", "kind", "status", "result", "error", "tokens_prompt", "tokens_evaluated", "attempts",
        "created",
    ),
    "runs": ("run_id", "kind", "model", "fingerprint", "suite", "spec", "created", "updated", "status", "stats"),
    "run_items": ("run_id", "item_id", "variant", "ord", "key"),
    "run_payloads": ("run_id", "item_id", "payload"),
}  # fmt: skip
"""What a salvage copies (claims are not copied: they belong to processes of the old store)."""
MAX_SKIPS = 64
"""Damaged stretches skipped per table before giving up on the rest of it."""


@dataclass
class StoreCheck:
    """What `check_store` found: `problems` is empty for a sound store; rows readable per table."""

    path: Path
    problems: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    salvaged: Path | None = None
    copied: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, Any]:
        """What `valuelens store check --json` prints."""
        return {
            "store": str(self.path),
            "ok": self.ok,
            "problems": self.problems,
            "rows": self.rows,
            "salvaged": str(self.salvaged) if self.salvaged else None,
            "copied": self.copied,
        }


def _first_lines(db: sqlite3.Connection) -> list[str]:
    found = [r[0] for r in db.execute("PRAGMA integrity_check(20)").fetchall()]
    return [] if found == ["ok"] else found


def _readable_rows(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> tuple[list[tuple], int]:
    """Every row of `table` that can still be read, in rowid order, and how many stretches were skipped."""
    rows: list[tuple] = []
    last, step, skips = -(2**63), 1, 0
    cols = ", ".join(columns)
    while skips <= MAX_SKIPS:
        try:
            for row in db.execute(f"SELECT rowid, {cols} FROM {table} WHERE rowid > ? ORDER BY rowid", (last,)):
                last, step = row[0], 1
                rows.append(tuple(row[1:]))
            return rows, skips
        except sqlite3.DatabaseError:
            skips += 1
            last = max(last, 0) + step  # jump past the damaged stretch, further each time
            step *= 4
            if last >= 2**62:
                break
    return rows, skips


def check_store(path: str | Path) -> StoreCheck:
    """Open the store read-only, run SQLite's integrity check and count the readable rows per table.

    Raises:
        InputError: no store at `path`, or it is a folder.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise InputError(f"{path}: no such store")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a store file")
    report = StoreCheck(path)
    try:
        db = connect_read_only(path)
    except sqlite3.Error as exc:
        report.problems.append(f"cannot open as SQLite ({exc})")
        return report
    with db:
        try:
            report.problems += _first_lines(db)
        except sqlite3.DatabaseError as exc:
            report.problems.append(str(exc))
        for table, columns in TABLES.items():
            try:
                rows, skips = _readable_rows(db, table, columns)
            except sqlite3.Error as exc:  # the table itself is gone or unreadable
                report.problems.append(f"{table}: {exc}")
                continue
            report.rows[table] = len(rows)
            if skips:
                report.problems.append(f"{table}: {skips} damaged stretches skipped")
    db.close()
    return report


def salvage_store(path: str | Path, output: str | Path) -> StoreCheck:
    """Check the store and copy every readable row into a new store at `output` (written whole or not at all).

    Raises:
        InputError: `output` exists already, is the store itself, or no store at `path`.
        EnvironmentProblem: `output` cannot be written.
    """
    report = check_store(path)
    if Path(output).expanduser().exists():
        raise InputError(f"{output}: already exists; salvage into a new file")
    try:
        source: sqlite3.Connection | None = connect_read_only(report.path)
    except sqlite3.Error:
        source = None
    with atomic_path(Path(output).expanduser(), "salvaged store") as tmp:
        new = sqlite3.connect(tmp, isolation_level=None)
        try:
            new.executescript(_SCHEMA)
            new.execute("BEGIN")
            for table, columns in TABLES.items():
                try:
                    rows = _readable_rows(source, table, columns)[0] if source is not None else []
                except sqlite3.Error:
                    rows = []
                marks = ",".join("?" * len(columns))
                new.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
                report.copied[table] = len(rows)
            new.execute("COMMIT")
        finally:
            new.close()
            if source is not None:
                source.close()
    report.salvaged = Path(output)
    return report

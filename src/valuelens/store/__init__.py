"""The SQLite store: responses, runs, resume."""

from valuelens.store._check import StoreCheck, check_store, salvage_store
from valuelens.store._claims import Lease
from valuelens.store._progress import run_progress, status_fields
from valuelens.store._sqlite import DEFAULT_STORE, Response, RunRecord, Store, resolve_store_path

__all__ = [
    "DEFAULT_STORE",
    "Lease",
    "Response",
    "RunRecord",
    "Store",
    "StoreCheck",
    "check_store",
    "resolve_store_path",
    "run_progress",
    "salvage_store",
    "status_fields",
]

"""The SQLite store: responses, runs, resume."""

from valuelens.store._check import StoreCheck, check_store, salvage_store
from valuelens.store._claims import Lease
from valuelens.store._merge import MergeResult, merge_stores
from valuelens.store._progress import run_progress, status_fields
from valuelens.store._records import Response, ResponseRow, RunRecord
from valuelens.store._sqlite import DEFAULT_STORE, Store, resolve_store_path

__all__ = [
    "DEFAULT_STORE",
    "Lease",
    "MergeResult",
    "Response",
    "ResponseRow",
    "RunRecord",
    "Store",
    "StoreCheck",
    "check_store",
    "merge_stores",
    "resolve_store_path",
    "run_progress",
    "salvage_store",
    "status_fields",
]

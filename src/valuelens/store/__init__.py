"""The SQLite store: responses, runs, resume."""

from valuelens.store._merge import MergeResult, merge_stores
from valuelens.store._sqlite import DEFAULT_STORE, Response, ResponseRow, RunRecord, Store, resolve_store_path

__all__ = [
    "DEFAULT_STORE",
    "MergeResult",
    "Response",
    "ResponseRow",
    "RunRecord",
    "Store",
    "merge_stores",
    "resolve_store_path",
]

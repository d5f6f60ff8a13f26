"""The SQLite store: responses, runs, resume."""

from valuelens.store._sqlite import DEFAULT_STORE, Response, RunRecord, Store, resolve_store_path

__all__ = ["DEFAULT_STORE", "Response", "RunRecord", "Store", "resolve_store_path"]

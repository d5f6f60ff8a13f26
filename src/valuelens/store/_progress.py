"""How far a run got: prompts answered out of prompts asked, and the status that follows from it."""

from __future__ import annotations

from typing import Any


def run_progress(store: Any, run_id: str) -> tuple[int, int]:
    """(answered, total) prompts of a run; an unanswered or failed prompt counts in total only."""
    keys = [k for *_, k in store.run_items(run_id)]
    return len(store.get_ok(keys)), len(keys)


def status_fields(answered: int | None, total: int) -> dict[str, Any]:
    """`status` ("complete" or "incomplete") and `answered` for a summary; nothing when unknown."""
    if answered is None:
        return {}
    return {"status": "complete" if answered >= total else "incomplete", "answered": answered}

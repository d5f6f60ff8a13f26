"""Injection payloads for the escaping tests: every one would set window.__pwned if it ever ran."""

from __future__ import annotations

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=1</script>",
    "'><svg onload=window.__pwned=1>",
    "<!--<script>window.__pwned=1</script>-->",
    "<iframe srcdoc='<script>parent.__pwned=1</script>'></iframe>",
    "\u2028\u2029 & &amp; ${window.__pwned=1}",
]
"""Each would set window.__pwned if it ever ran as markup or script."""

SUITE_NAME = "evil'\"><svg onload=window.__pwned=1>"
"""A suite file name (the suite takes its name from the file): no '/' allowed in it."""


def evil_dilemmas() -> list[dict]:
    """Dilemmas whose texts (not values: those must be lexicon names) carry every payload."""
    out = []
    for i, p in enumerate(PAYLOADS):
        out.append(
            {
                "id": f"evil-{i}",
                "domain": "work",
                "situation": f"You face {p} at work, situation {i}.",
                "question": f"Do you pick {p} or not?",
                "action_a": {"text": f"Choose {p} now.", "values": ["honesty"], "parties": [f"party {p}"]},
                "action_b": {"text": f"Refuse {p} later.", "values": ["loyalty", "kindness"], "parties": ["you"]},
            }
        )
    return out

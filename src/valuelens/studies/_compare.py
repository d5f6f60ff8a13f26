"""Comparing stored runs: every run against the first, per value and per theory dimension, and the
theory priorities of all runs as compositions around their geometric mean."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from valuelens._version import __version__
from valuelens.analysis import N_BOOT_STUDY, Comparison, compare_tables, compositions
from valuelens.analysis._compare import shared_rows
from valuelens.errors import InputError
from valuelens.lexicon import load_lexicon
from valuelens.store import Store
from valuelens.studies._dilemma_store import assemble_dilemmas
from valuelens.studies._profile import THEORIES
from valuelens.studies._protocol import pick_frames, prompt_format
from valuelens.studies._run import Run

N_BOOT = N_BOOT_STUDY


@dataclass
class RunComparison:
    """Run b against run a (the reference): values and every theory's dimensions, b minus a."""

    a: Run
    b: Run
    values: Comparison
    theories: dict[str, Comparison]


def _entries(c: Comparison, key: str) -> list[dict[str, Any]]:
    return [{key: d.pop("name"), **d} for d in c.to_dict()["differences"]]


def _head(c: Comparison) -> dict[str, Any]:
    lo, hi = c.aitchison_ci
    return {
        "n_shared": c.n_shared,
        "spearman": c.spearman,
        "aitchison": {"value": c.aitchison, "ci_low": lo, "ci_high": hi, "n": c.n_shared}
        | {"plugin": c.aitchison_plugin, "bias_corrected": True},
        "significant": int(np.sum(c.significant)),
        "verdict": c.verdict().to_dict(),
        "of": len(c.names),
        "pairing_scale": c.pairing_scale,
    }


def _run_meta(r: Run) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "model": r.record.model,
        **prompt_format(r.record.fingerprint),
        "suite": r.record.suite,
        "condition": r.record.spec.get("condition", {}),
        "items": len(r.dilemmas),
        "seed": r.seed,
        "valuelens_version": __version__,
    }


@dataclass
class RunsComparison:
    """Every run against the first, and the compositions of all runs.

    Attributes:
        runs: the runs, the reference first.
        pairs: one RunComparison per run after the first.
        compositions: theory -> {dimensions, n_shared, runs {run_id: parts}, aggregate, distance_to_aggregate};
            priorities softmax(u) fitted on the dilemmas all runs answered, aggregated by the
            normalised geometric mean (None for a theory when the runs share no such dilemma).
    """

    runs: list[Run]
    pairs: list[RunComparison]
    compositions: dict[str, dict[str, Any] | None]
    n_boot: int
    seed: int

    def summary(self) -> dict[str, Any]:
        """The comparison as one JSON-ready object (what `valuelens compare --json` prints)."""
        method = self.pairs[0].values.method
        return {
            "kind": "comparison",
            "runs": [_run_meta(r) for r in self.runs],
            "reference": self.runs[0].run_id,
            "method": method + "; Holm within the values and within each theory",
            "level": self.pairs[0].values.level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "comparisons": [
                {"a": p.a.run_id, "b": p.b.run_id, **_head(p.values), "values": _entries(p.values, "value")}
                | {
                    "theories": {
                        tid: _head(c) | {"dimensions": _entries(c, "dimension")} for tid, c in p.theories.items()
                    }
                }
                for p in self.pairs
            ],
            "compositions": self.compositions,
        }

    kind = "comparison"
    frame_names = ("differences",)

    @property
    def run_id(self) -> str:
        """The compared runs' ids joined by '+' (a comparison is not stored)."""
        return "+".join(r.run_id for r in self.runs)

    def report_data(self) -> dict[str, Any]:
        """The summary (each pair's HTML page reads `html_data`)."""
        return self.summary()

    def pages(self) -> list[tuple[str, dict[str, Any]]]:
        """(run id of b, `html_data`) for every run after the reference: one comparison page each."""
        return [(p.b.run_id, self.html_data(i)) for i, p in enumerate(self.pairs)]

    def frames(self, *names: str) -> dict[str, Any]:
        """differences: one row per compared run and value (b, value, utility_a, utility_b, difference, ...)."""
        return pick_frames(self.kind, {"differences": self._differences_df}, names)

    def _differences_df(self) -> Any:
        import pandas as pd

        rows = [{"a": c["a"], "b": c["b"]} | v for c in self.summary()["comparisons"] for v in c["values"]]
        return pd.DataFrame(rows)

    def html_data(self, index: int = 0) -> dict[str, Any]:
        """What `report.render_comparison_html` reads, for run `index + 1` against the reference."""
        p = self.pairs[index]
        head = _head(p.values)
        return {
            "runs": [_run_meta(p.a), _run_meta(p.b)],
            "metric": "utility",
            "values": _entries(p.values, "value"),
            "spearman": head["spearman"],
            "aitchison": head["aitchison"],
            "theories": {tid: _head(c) | {"dimensions": _entries(c, "dimension")} for tid, c in p.theories.items()},
            "compositions": self.compositions,
        }


def _load(ref: str | Run, st: Store) -> Run:
    if isinstance(ref, Run):
        return ref
    record = st.get_run(ref)
    if record is None:
        raise InputError(f"{st.path}: run '{ref}' not found (valuelens runs lists them)")
    if record.kind != "dilemmas":
        raise InputError(f"run {record.run_id} is a {record.kind} run; compare takes dilemma runs")
    return assemble_dilemmas(st, record)


def compare(
    runs: Sequence[str | Run],
    store: str | Path | None = None,
    *,
    n_boot: int = N_BOOT,
    seed: int = 0,
    theories: Sequence[str] = THEORIES,
) -> RunsComparison:
    """Compare stored runs: each run after the first against the first, on the dilemmas both answered.

    Per value and per theory dimension: the utility difference (b - a) with a paired bootstrap
    interval, Holm-corrected p-values within each family, the Spearman correlation of the two
    rankings and the Aitchison distance between the priority compositions. Runs of different
    models, checkpoints, personas or principles compare the same way.

    Args:
        runs: run ids (or unique prefixes), or Run objects; the first is the reference.
        store: SQLite path (default: $VALUELENS_STORE or ./.valuelens/store.sqlite).
        n_boot: paired bootstrap resamples over shared dilemmas.
        seed: seeds the bootstrap.
        theories: theory ids to compare besides the values.

    Raises:
        InputError: fewer than two runs, an unknown or non-dilemma run, or runs that share no dilemma.
    """
    if len(runs) < 2:
        raise InputError("compare: give at least two run ids")
    if n_boot < 2:
        raise InputError(f"--n-boot: must be at least 2, got {n_boot}")
    with Store(store) as st:
        loaded = [_load(r, st) for r in runs]
    tables = [r.table.originals() for r in loaded]
    ref = loaded[0]
    for r, t in zip(loaded[1:], tables[1:], strict=True):
        try:
            shared_rows(tables[0], t)
        except ValueError:
            raise InputError(
                f"runs {ref.run_id} ({ref.record.suite}) and {r.run_id} ({r.record.suite}) share no answered "
                "dilemma; compare runs of the same suite"
            ) from None
    lex = load_lexicon()
    pairs = []
    for r, t in zip(loaded[1:], tables[1:], strict=True):
        values = compare_tables(tables[0], t, n_boot=n_boot, seed=seed)
        per_theory = {}
        for tid in theories:
            try:
                per_theory[tid] = compare_tables(tables[0], t, n_boot=n_boot, seed=seed, membership=lex.membership(tid))
            except ValueError:  # no shared dilemma carries this theory's dimensions on both actions
                continue
        pairs.append(RunComparison(ref, r, values, per_theory))
    comps = compositions(tables, [r.run_id for r in loaded], {tid: lex.membership(tid) for tid in theories}, seed)
    return RunsComparison(loaded, pairs, comps, n_boot, seed)

"""A dilemma run as stored: what was asked, what the model chose, its value profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from valuelens._version import __version__
from valuelens.analysis import ChoiceTable
from valuelens.analysis._scores import N_BOOT, Estimate, ValueScore, position_bias, value_scores
from valuelens.runner import ExecStats, PartCost, cost_fields, stored_cost_fields
from valuelens.store import RunRecord, status_fields
from valuelens.studies._free_run import answer_reading
from valuelens.studies._protocol import pick_frames, prompt_format
from valuelens.suites import Dilemma

if TYPE_CHECKING:
    from valuelens.lexicon import TheoryMap

KIND = "dilemmas"


@dataclass
class Run:
    """A run as stored: what was asked, what the model chose, and what this invocation cost.

    Attributes:
        record: the run's row in the store (id, model, suite, spec, stats).
        dilemmas: the dilemmas of the run, as asked.
        table: the choice table (both orders per dilemma and wording).
        failures: prompt key -> reason, for prompts without an answer.
        invocation: calls and tokens of the invocation that produced this object (None when loaded).
        kinds: counts of answers of special kinds (bounded log-probabilities, refusals, unparsed samples).
        cost_usd: estimated cost of the invocation (the model's and a judge's, each at its own price),
            None when neither has a price.
        model_cost_usd: the model's own share of `cost_usd` (None without a price).
        judge: the judge's calls, tokens and cost when a judge read free-text answers, else None.
        lexicon: the theory mapping of the lenses (None: the bundled lexicon).
        protocol: the DailyDilemmas-protocol comparison when the run asked for it (`run(protocol=...)`).
        answered: prompts of the run with an answer in the store (None when unknown); fewer than
            `prompts` makes the run incomplete.
        prices_date: date of the price table behind `cost_usd` (None without a price).
        free_text: for free-text answers, how many each route read (rule, judge, none, refused), why
            answers stayed unread, and judge-rule agreement; None for log-probability runs.
        answer_agreement: beside a log-probability run of the same prompts (`answer="both"`), how the
            free-text choices agree with it: correlation of P(A) per dilemma with its interval, share with
            the same majority choice against the share sampling alone gives, and the verdict sentence.
    """

    record: RunRecord
    dilemmas: list[Dilemma]
    table: ChoiceTable
    failures: dict[str, str]
    store_path: Path
    invocation: ExecStats | None = None
    seconds: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    model_cost_usd: float | None = None
    judge: PartCost | None = None
    lexicon: TheoryMap | None = None
    protocol: dict[str, Any] | None = None
    answered: int | None = None
    prices_date: str | None = None
    free_text: dict[str, Any] | None = None
    answer_agreement: dict[str, Any] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def run_id(self) -> str:
        return self.record.run_id

    frame_names = ("choices", "values")

    @property
    def kind(self) -> str:
        return self.record.kind

    @property
    def seed(self) -> int:
        return int(self.record.spec.get("seed", 0))

    def position_bias(self, n_boot: int = N_BOOT) -> Estimate:
        """Mean P(first-listed option) - 0.5, with a bootstrap interval over dilemmas."""
        return position_bias(self.table.originals(), n_boot=n_boot, seed=self.seed)

    def value_scores(self, theory: str | None = None, n_boot: int = N_BOOT) -> list[ValueScore]:
        """DailyDilemmas score per value (or per dimension of `theory`), most chosen first."""
        key = f"scores:{theory}:{n_boot}"
        if key not in self._cache:
            membership = None
            if theory is not None:
                from valuelens.lexicon import load_lexicon

                membership = load_lexicon().membership(theory)
            self._cache[key] = value_scores(self.table.originals(), membership, n_boot=n_boot, seed=self.seed)
        return self._cache[key]

    def profile(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """Scores and utilities per value and theory, moral graph, consistency and reliability (cached)."""
        key = f"profile:{n_boot}"
        if key not in self._cache:
            from valuelens.studies._profile import profile

            self._cache[key] = profile(self.table, seed=self.seed, n_boot=n_boot, mapping=self.lexicon)
        return self._cache[key]

    def summary(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """The run as one JSON-ready object (what `valuelens run --json` prints)."""
        inv = self.invocation or ExecStats()
        pb = self.position_bias(n_boot)
        prof = self.profile(n_boot)
        return {
            "run_id": self.run_id,
            "model": self.record.model,
            **prompt_format(self.record.fingerprint),
            "suite": self.record.suite,
            "condition": self.record.spec.get("condition", {}),
            "items": len(self.dilemmas),
            "prompts": len(self.table) * 2,
            "model_calls": inv.model_calls,
            "cached_calls": inv.cached_calls,
            "tokens_prompt": inv.tokens_prompt,
            "tokens_evaluated": inv.tokens_evaluated,
            "tokens_completion": inv.tokens_completion,
            **cost_fields(self.record.model, self.model_cost_usd, self.judge),
            "prices_date": self.prices_date,
            "seconds": round(self.seconds, 3),
            "failed": len(self.failures),
            **status_fields(self.answered, len(self.table) * 2),
            **{k: self.kinds.get(k, 0) for k in ("bounded", "refused", "refused_samples", "unparsed_samples")},
            "position_bias": {"value": pb.value, "ci_low": pb.ci_low, "ci_high": pb.ci_high, "n": pb.n},
            "values": prof["values"],
            **{k: prof[k] for k in ("theories", "consistency", "reliability", "moral_graph", "utility_fit")},
            "lexicon": self.lexicon.describe() if self.lexicon else {"name": "valuelens", "source": "bundled"},
            "store": str(self.store_path),
            "seed": self.seed,
            "valuelens_version": __version__,
            **({"dailydilemmas_protocol": self.protocol} if self.protocol else {}),
            **self.answer_reading(),
        } | self._stored_costs()

    def answer_reading(self) -> dict[str, Any]:
        """Free-text runs: how answers were read and, beside a log-probability run of the same prompts,
        their agreement (summary keys "answer", "free_text", "answer_agreement"); {} for other runs."""
        return answer_reading(self.free_text, self.record.spec, self.answer_agreement)

    def _stored_costs(self) -> dict[str, Any]:
        """For a run loaded from the store: what it took, summed over the invocations that finished."""
        if self.invocation is not None:
            return {}
        stats = self.record.stats
        keys = ("model_calls", "cached_calls", "tokens_prompt", "tokens_evaluated", "tokens_completion", "seconds")
        stored = {k: stats[k] for k in keys if k in stats} | stored_cost_fields(self.record.model, stats)
        return stored | ({"prices_date": stats["prices_date"]} if stats.get("prices_date") else {})

    def report_data(self, n_boot: int = N_BOOT) -> dict[str, Any]:
        """What the HTML report shows: the summary plus kind, date, settings, theory lenses and every choice."""
        from valuelens.report import choice_rows

        data = self.summary(n_boot)
        data.setdefault("kind", self.record.kind)
        data["created"] = self.record.created
        spec = self.record.spec
        data["settings"] = {k: spec[k] for k in ("samples", "paraphrases", "limit", "seed") if k in spec}
        data["dilemmas"] = choice_rows(self.dilemmas, self.table)
        return data

    def choices_df(self) -> Any:
        """One row per dilemma and wording: item_id, variant, domain, texts, values, p_a_first, p_a_second, p_a.

        Returns a pandas DataFrame; values and parties are joined with '; '.
        """
        from valuelens.report._export import choice_rows, choices_frame

        return choices_frame(choice_rows(self.dilemmas, self.table))

    def values_df(self, n_boot: int = N_BOOT) -> Any:
        """The summary's `values` entries (value, score, ci_low, ci_high, n, ...) as a pandas DataFrame."""
        from valuelens.report._export import values_frame

        return values_frame(self.summary(n_boot)["values"])

    def frames(self, *names: str) -> dict[str, Any]:
        """The run's tables as pandas DataFrames: choices (one row per dilemma and wording) and values."""
        return pick_frames(self.kind, {"choices": self.choices_df, "values": self.values_df}, names)

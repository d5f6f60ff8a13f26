"""Steerability: the same dilemmas asked without and with a principle (or system prompt), and how far
the condition moves choices toward the values it supports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from valuelens._version import __version__
from valuelens.analysis import N_BOOT_STUDY, SteeringEffect, steering_effect
from valuelens.analysis._steer import supported_side
from valuelens.backends import DEFAULT_MODEL, Backend
from valuelens.errors import InputError
from valuelens.lexicon import load_lexicon
from valuelens.prompts import read_text_arg
from valuelens.runner import PlanCollector, ProgressFn, open_backend
from valuelens.runner._generate import FREE_MAX_TOKENS
from valuelens.studies._dilemmas import run
from valuelens.studies._free_run import answer_settings, free_text_args
from valuelens.studies._protocol import pick_frames, prompt_format
from valuelens.studies._run import Run
from valuelens.suites import Principle, Suite, load_suite, resolve_principle

N_BOOT = N_BOOT_STUDY


def _estimate(value: float, lo: float, hi: float, n: int) -> dict[str, Any]:
    return {"value": value, "ci_low": lo, "ci_high": hi, "n": n}


@dataclass
class Steering:
    """A steering experiment: the principle, both runs and the effect.

    Attributes:
        principle: the condition's text and the lexicon values it supports and opposes.
        condition: "principle" or "system_prompt" (how the text was put into the prompt).
        baseline, steered: the two runs, on the same dilemmas.
        effect: change in P(choose the supported action), with the utility shift of every value.
        eligible: dilemmas that put a supported value against an opposed one.
    """

    principle: Principle
    condition: str
    baseline: Run
    steered: Run
    effect: SteeringEffect
    eligible: int
    seed: int = 0

    kind = "steer"
    frame_names = ("shift",)

    @property
    def run_id(self) -> str:
        """The baseline and steered runs' ids joined by '+' (both are stored runs)."""
        return f"{self.baseline.run_id}+{self.steered.run_id}"

    def report_data(self) -> dict[str, Any]:
        return self.summary()

    def frames(self, *names: str) -> dict[str, Any]:
        """shift: the utility shift per value (baseline, steered, shift, interval, Holm p, n); empty without one."""
        return pick_frames(self.kind, {"shift": self._shift_df}, names)

    def _shift_df(self) -> Any:
        import pandas as pd

        shift = self.summary()["utility_shift"]
        return pd.DataFrame(shift["values"] if shift else [])

    def verdict(self) -> str:
        """The effect in one plain sentence (the rule: ``valuelens.analysis.steering_verdict``)."""
        return self.effect.verdict(self.condition).text

    def summary(self) -> dict[str, Any]:
        """The experiment as one JSON-ready object (what `valuelens steer --json` prints)."""
        e = self.effect
        shift = e.utility_shift.to_dict() if e.utility_shift is not None else None
        if shift is not None:
            rename = {"utility_a": "baseline", "utility_b": "steered", "difference": "shift"}
            entries = [
                {"value": d["name"], **{rename.get(k, k): v for k, v in d.items() if k != "name"}}
                for d in shift.pop("differences")
            ]
            shift["values"] = entries
        invs = [r.invocation for r in (self.baseline, self.steered) if r.invocation is not None]
        return {
            "kind": "steer",
            "model": self.baseline.record.model,
            **prompt_format(self.baseline.record.fingerprint),
            "suite": self.baseline.record.suite,
            "condition": self.condition,
            "principle": self.principle.model_dump(mode="json"),
            "dilemmas": len(self.baseline.dilemmas),
            "eligible": self.eligible,
            "baseline_run": self.baseline.run_id,
            "steered_run": self.steered.run_id,
            "model_calls": sum(i.model_calls for i in invs),
            "cached_calls": sum(i.cached_calls for i in invs),
            "p_baseline": _estimate(e.p_baseline, *e.p_baseline_ci, e.n),
            "p_steered": _estimate(e.p_steered, *e.p_steered_ci, e.n),
            "effect": _estimate(e.effect, e.ci_low, e.ci_high, e.n) | {"n_rows": e.n_rows},
            # label, or None below the minimum n; the sentence says which and why
            "verdict": self.effect.verdict(self.condition).label,
            "verdict_text": self.verdict(),
            "method": (
                "P(supported action) from the order-averaged choice probability, the same way in both "
                "conditions, averaged over eligible dilemmas; Student t interval over per-dilemma differences"
            ),
            "utility_shift": shift,
            "n_boot": e.n_boot,
            "seed": self.seed,
            "store": str(self.baseline.store_path),
            "valuelens_version": __version__,
            **self._answers(),
        }

    def _answers(self) -> dict[str, Any]:
        """Free-text runs: how each condition's answers were read, and their agreement with log-probabilities."""
        read = {"baseline": self.baseline.answer_reading(), "steered": self.steered.answer_reading()}
        return {"answers": read} if any(read.values()) else {}


def _lexicon_values(names: Sequence[str], what: str) -> tuple[str, ...]:
    lex, out = load_lexicon(), []
    for n in names:
        found = lex.resolve(n)
        if found is None:
            hint = lex.suggest(n)
            raise InputError(f"{what}: unknown value '{n}'" + (f" (did you mean '{hint}'?)" if hint else ""))
        out.append(found)
    return tuple(dict.fromkeys(out))


def resolve_steering(
    principle: str | Principle | None,
    system_prompt: str | None,
    supports: Sequence[str] | None,
    opposes: Sequence[str] | None,
) -> tuple[Principle, str]:
    """The principle to steer with and how it enters the prompt ("principle" or "system_prompt").

    Raises:
        InputError: neither or both of principle and system prompt; unknown or missing values.
    """
    if (principle is None) == (system_prompt is None):
        raise InputError("steer: give --principle NAME|@FILE or --system-prompt TEXT|@FILE (exactly one)")
    if principle is not None:
        p = principle if isinstance(principle, Principle) else resolve_principle(principle)
        assert p is not None
        condition = "principle"
    else:
        p, condition = Principle(name="system prompt", text=str(system_prompt)), "system_prompt"
    sup = _lexicon_values(p.supports if supports is None else supports, "--supports")
    opp = _lexicon_values(p.opposes if opposes is None else opposes, "--opposes")
    if not sup or not opp:
        raise InputError(
            f"steer: '{p.name}' names no supported or no opposed values; pass --supports and --opposes "
            '(lexicon values), or a principle file {"text", "supports", "opposes"}'
        )
    if set(sup) & set(opp):
        raise InputError(f"steer: values both supported and opposed: {', '.join(sorted(set(sup) & set(opp)))}")
    return p.model_copy(update={"supports": sup, "opposes": opp}), condition


def steer(
    model: str = DEFAULT_MODEL,
    principle: str | Principle | None = None,
    *,
    system_prompt: str | None = None,
    supports: Sequence[str] | None = None,
    opposes: Sequence[str] | None = None,
    suite: str | Suite = "core",
    whole_suite: bool = False,
    limit: int | None = None,
    seed: int = 0,
    samples: int | None = None,
    n_boot: int = N_BOOT,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
    answer: str = "logprobs",
    max_tokens: int = FREE_MAX_TOKENS,
    judge: str | None = None,
    judge_base_url: str | None = None,
) -> Steering:
    """Run the dilemmas without and with a principle and measure the change toward the values it supports.

    The dilemmas asked are those where the principle's supported and opposed values sit on
    opposite actions (all of the suite with `whole_suite`, for a utility shift over every value).
    Both conditions are ordinary runs (`valuelens.run`; the baseline shares its cache with a plain
    run of the same model), so both are stored, resumable and comparable with `valuelens compare`.

    Args:
        model: provider/model name.
        principle: bundled principle name, `@FILE` (JSON {text, supports, opposes} or plain text),
            or a Principle.
        system_prompt: a system prompt to steer with instead of a principle (needs supports/opposes).
        supports, opposes: lexicon values the condition favours and disfavours (override the principle's).
        suite, limit, seed, samples, store, progress, backend, base_url, timeout, max_concurrency:
            as in `valuelens.run` (limit applies before selecting dilemmas).
        whole_suite: ask every dilemma of the suite, not only the eligible ones.
        n_boot: bootstrap resamples for the intervals.
        answer, max_tokens, judge, judge_base_url: as in `valuelens.run`: with "free" (or "both") the
            effect is measured on free-text answers, and the summary's `answers` says how each
            condition's answers were read (and, with "both", how they agree with log-probabilities).

    Raises:
        InputError: bad arguments, or no dilemma of the suite puts a supported value against an opposed one.
        BackendError: the model cannot be created.
    """
    answer_settings(answer, samples, max_tokens)  # bad settings stop before the model is opened
    p, condition = resolve_steering(principle, read_text_arg(system_prompt, "system prompt"), supports, opposes)
    the_suite = suite if isinstance(suite, Suite) else load_suite(suite)
    if limit is not None and limit < 1:
        raise InputError(f"--limit: must be at least 1, got {limit}")
    pool = the_suite.dilemmas[:limit] if limit else the_suite.dilemmas
    sup, opp = set(p.supports), set(p.opposes)
    eligible = tuple(d for d in pool if supported_side(d.action_a.values, d.action_b.values, sup, opp))
    if not eligible:
        raise InputError(
            f"{the_suite.name}: no dilemma puts a value '{p.name}' supports ({', '.join(p.supports)}) "
            f"against one it opposes ({', '.join(p.opposes)}); try a larger suite"
        )
    asked = Suite(
        name=the_suite.name if whole_suite else f"{the_suite.name}:steer-{p.name}",
        source=the_suite.source,
        dilemmas=tuple(pool) if whole_suite else eligible,
    )
    be = backend or open_backend(model, base_url=base_url, timeout=timeout, max_concurrency=max_concurrency)
    common: dict[str, Any] = {"seed": seed, "samples": samples, "store": store, "progress": progress, "backend": be}
    common["max_concurrency"] = max_concurrency
    common |= free_text_args(answer, max_tokens, judge, judge_base_url, base_url, timeout)
    plans = PlanCollector("steer")  # --dry-run plans both conditions
    try:
        with plans.run("baseline"):
            baseline = run(model, asked, **common)
        text = {"principle": p.text} if condition == "principle" else {"system_prompt": p.text}
        with plans.run(f"principle:{p.name}" if condition == "principle" else "system prompt"):
            steered = run(model, asked, **common, **text)
        plans.done()
    finally:
        if backend is None:
            be.close()
    try:
        effect = steering_effect(
            baseline.table.originals(), steered.table.originals(), p.supports, p.opposes, n_boot=n_boot, seed=seed
        )
    except ValueError as exc:
        raise InputError(f"steer: {exc} (runs {baseline.run_id} and {steered.run_id})") from None
    return Steering(p, condition, baseline, steered, effect, len(eligible), seed)

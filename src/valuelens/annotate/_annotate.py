"""Annotate user scenarios with lexicon values (after Value Kaleidoscope) and write a valid suite.

For each action and lexicon value the model is asked whether the value is relevant (P(Yes)); for the
values relevant to an action, whether the action supports it or goes against it. Answers go through
the engine and the store, so they are cached and an interrupted annotation resumes where it stopped.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from valuelens.annotate._input import Scenario, load_scenarios
from valuelens.annotate._mapping import Mapped, map_names
from valuelens.annotate._select import select_values
from valuelens.backends import DEFAULT_MODEL, Backend
from valuelens.errors import BackendError, InputError
from valuelens.lexicon import load_lexicon
from valuelens.prompts import YES_NO, Prompt, key_of, relevance_prompt
from valuelens.runner import SAMPLES_PER_ORDER, ExecStats, ProgressFn, Session, choice_params, p_first, session
from valuelens.suites import Action, Dilemma, Suite, load_suite

DEFAULT_QUESTION = "What should you do?"
ACTIONS = ("a", "b")


@dataclass
class ScenarioAnnotation:
    """What the model said about one scenario: P(relevant) and P(supports) per action and value."""

    scenario: Scenario
    relevance: dict[str, dict[str, float]]
    support: dict[str, dict[str, float]]
    values: dict[str, tuple[str, ...]]
    given: dict[str, list[Mapped]]
    fallback: dict[str, bool]


@dataclass
class Annotation:
    """The result of `annotate`: the suite, the evidence behind it, notes for the user and the cost."""

    suite: Suite
    scenarios: list[ScenarioAnnotation]
    notes: list[str] = field(default_factory=list)
    stats: ExecStats = field(default_factory=ExecStats)
    output: Path | None = None

    def summary(self) -> dict[str, Any]:
        """One JSON-ready object (what `valuelens annotate --json` prints)."""
        return {
            "scenarios": len(self.scenarios),
            "output": None if self.output is None else str(self.output),
            "model_calls": self.stats.model_calls,
            "cached_calls": self.stats.cached_calls,
            "failed": self.stats.failed,
            "fallbacks": sum(v for a in self.scenarios for v in a.fallback.values()),
            "dilemmas": [
                {"id": a.scenario.id, "values_a": list(a.values["a"]), "values_b": list(a.values["b"])}
                for a in self.scenarios
            ],
            "notes": self.notes,
        }


def _action(s: Scenario, x: str) -> Any:
    return s.action_a if x == "a" else s.action_b


def _ask(s: Session, prompts: dict[str, Prompt]) -> dict[str, float]:
    """P(Yes) for each key (NaN: no answer), asking only what the store lacks."""
    s.ask(prompts)
    answers = s.store.get_ok(prompts)
    return {k: p_first(answers[k], YES_NO) if k in answers else math.nan for k in prompts}


def _map_given(
    scenarios: list[Scenario], source: str, embed: bool | None, notes: list[str]
) -> list[dict[str, list[Mapped]]]:
    names = sorted({n for s in scenarios for x in ACTIONS for n in _action(s, x).values})
    mapping = {m.name: m for m in map_names(names, embed=embed)}
    out = []
    for s in scenarios:
        given = {x: [mapping[n] for n in _action(s, x).values] for x in ACTIONS}
        for x in ACTIONS:
            for i, m in enumerate(given[x]):
                where = f"{source}:{s.line}: action_{x}.values[{i}]"
                if m.value is None:
                    notes.append(f"{where}: '{m.name}' matches no lexicon value; ignored")
                elif m.how == "embedding":
                    notes.append(f"{where}: '{m.name}' read as '{m.value}' (embedding similarity {m.similarity:.2f})")
        out.append(given)
    return out


def annotate(
    scenarios: str | Path | list[Scenario],
    model: str = DEFAULT_MODEL,
    *,
    output: str | Path | None = None,
    threshold: float = 0.5,
    max_values: int = 4,
    samples: int = SAMPLES_PER_ORDER,
    embed: bool | None = None,
    store: str | Path | None = None,
    progress: ProgressFn | None = None,
    backend: Backend | None = None,
    base_url: str | list[str] | None = None,
    timeout: float | None = None,
) -> Annotation:
    """Label each action of each scenario with the lexicon values it serves; write the suite if asked.

    Args:
        scenarios: a JSONL/CSV file of scenarios (see `valuelens.annotate.load_scenarios`) or loaded scenarios.
        model: provider/model that answers the questions.
        output: JSONL file to write the suite to (it loads with `valuelens.load_suite`).
        threshold: least P(relevant) for a value to count (0 < threshold < 1).
        max_values: most values per action.
        samples: answers per question when the model gives no log-probabilities.
        embed: map the user's free-text value names by embedding similarity too (None: when installed).
        store: SQLite store of the responses (default $VALUELENS_STORE or ./.valuelens/store.sqlite).
        progress: called with (done, total) questions, once per round (relevance, then valence).
        backend: an already created backend to use instead of `model`.
        base_url, timeout: connection settings of remote models.

    Raises:
        InputError: bad scenario file or arguments (before any model call).
        BackendError: the model cannot be created.
    """
    if not 0.0 < threshold < 1.0:
        raise InputError(f"--threshold: must be between 0 and 1, got {threshold}")
    if max_values < 1:
        raise InputError(f"--max-values: must be at least 1, got {max_values}")
    source = str(scenarios) if isinstance(scenarios, str | Path) else "scenarios"
    items = load_scenarios(scenarios) if isinstance(scenarios, str | Path) else list(scenarios)
    notes: list[str] = []
    given = _map_given(items, source, embed, notes)
    lexicon = load_lexicon()
    params = {**choice_params(samples), "task": "annotate"}
    connection = {"base_url": base_url, "timeout": timeout}
    with session(model, samples=samples, store=store, progress=progress, backend=backend, **connection) as ses:
        be = ses.backend

        def prompts(ask: Literal["relevance", "valence"], keep: Any) -> dict[tuple[int, str, str], tuple[str, Prompt]]:
            out = {}
            for n, sc in enumerate(items):  # scenario, then action, then value: consecutive prompts share a prefix
                for x in ACTIONS:
                    for v in lexicon.values.values():
                        if keep(n, x, v.name):
                            p = relevance_prompt(
                                sc.id, sc.situation, sc.question, x, _action(sc, x).text, v.name, v.definition, ask
                            )
                            key = key_of(be.fingerprint, p, "annotate", params, be.reads_annotations)
                            out[(n, x, v.name)] = (key, p)
            return out

        asked = prompts("relevance", lambda n, x, v: True)
        p_yes = _ask(ses, dict(asked.values()))
        rel = {(n, x, v): p_yes[k] for (n, x, v), (k, _) in asked.items()}
        asked = prompts("valence", lambda n, x, v: rel[(n, x, v)] >= threshold)
        p_yes = _ask(ses, dict(asked.values()))
        sup = {(n, x, v): p_yes[k] for (n, x, v), (k, _) in asked.items()}
    stats = ses.stats
    results, dilemmas = [], []
    for n, s in enumerate(items):
        relevance = {x: {v: rel[(n, x, v)] for v in lexicon.names} for x in ACTIONS}
        support = {x: {v: sup[(n, x, v)] for v in lexicon.names if (n, x, v) in sup} for x in ACTIONS}
        mine = {x: tuple(dict.fromkeys(m.value for m in given[n][x] if m.value)) for x in ACTIONS}
        values, fallback = select_values(relevance, support, threshold, max_values, mine)
        for x in ACTIONS:
            if fallback[x]:
                notes.append(f"{source}:{s.line}: action_{x}: no value passed the threshold; kept '{values[x][0]}'")
            if not values[x]:
                raise BackendError(f"{be.name}: no usable answer about any value of {s.id} action {x.upper()}")
        results.append(ScenarioAnnotation(s, relevance, support, values, given[n], fallback))
        meta = {**s.meta, "annotated_by": be.name}
        acts = {x: Action(text=_action(s, x).text, values=values[x], parties=_action(s, x).parties) for x in ACTIONS}
        dilemmas.append(
            Dilemma(
                id=s.id,
                situation=s.situation,
                question=s.question or DEFAULT_QUESTION,
                domain=s.domain,
                action_a=acts["a"],
                action_b=acts["b"],
                meta=meta,
            )
        )
    if stats.failed:
        notes.append(f"{stats.failed} questions got no answer (first: {next(iter(stats.failures.values()))})")
    name = Path(source).stem if isinstance(scenarios, str | Path) else "annotated"
    suite = Suite(name=name, source=f"annotate:{source}", dilemmas=tuple(dilemmas))
    path = None
    if output is not None:
        path = Path(output).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(d.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False) for d in dilemmas]
        path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        suite = load_suite(str(path))  # what was written is what a run will read
    return Annotation(suite, results, notes, stats, path)

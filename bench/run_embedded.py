"""A full default run on the embedded model against the ideal set by the same engine's raw prefill.

    python bench/run_embedded.py [--limit N]      # the run, raw prefill timed before, between, after
    python bench/run_embedded.py --peers [--limit N] [--rounds R]   # the field's protocols, same dilemmas
    python bench/run_embedded.py --check [--limit N]   # batched vs one-prompt-at-a-time, largest |dP|
    python bench/run_embedded.py --replay [--limit N] [--rounds R]  # the run vs its own decodes back to back

Ideal time = the run's evaluated tokens at the raw prefill rate of the same backend, in this process,
at the sizes of the run's own llama_decode calls: the sum over its decodes of n / rate(n), rate(n)
interpolated between rates timed at 16, 32, 64, 128, 256 and 512 tokens (each a median of 3
evaluations of one fresh sequence, timed before, between and after the run). The ideal in context
times the same kind of decodes after 0, 64, 128 and 256 cached tokens and takes each of the run's
decodes at its own size and offset (`_prefill.py`): the honest yardstick, since a piece evaluated
after a cached prefix attends over it. It also prints the ideal
at the engine's best timed rate (the timed size with the highest mean rate), which no run of short prompts
evaluated one at a time can reach. Every figure comes with the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _prefill import SIZES, context_rates, prefill_rates, rate_at, rate_in_context, record_decodes, show
from peers import dailydilemmas_protocol, harness_style

import valuelens
from valuelens.backends.llamacpp import LlamaCppBackend, cpu_flags, has_amx
from valuelens.prompts import LABELS, Condition, dilemma_jobs
from valuelens.runner import p_first


def machine(backend: LlamaCppBackend) -> str:
    import llama_cpp

    model = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{model}, {os.cpu_count()} CPUs, AMX {'yes' if has_amx(cpu_flags()) else 'no'}, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"llama-cpp-python {llama_cpp.__version__}, {backend.n_threads} threads"
    )


def load() -> str:
    la = os.getloadavg()
    return f"load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}"


def token_pool(backend: LlamaCppBackend) -> list[int]:
    text = " ".join(d.situation + " " + d.question for d in valuelens.load_suite("core").dilemmas)
    return backend.tokenize(text)[1:]


def _timings(
    backend: LlamaCppBackend, pool: list[int], seed: int, when: str
) -> tuple[dict[int, float], dict[tuple[int, int], float]]:
    fresh, context = prefill_rates(backend, pool, seed), context_rates(backend, pool, seed)
    show(when, fresh, context, load())
    return fresh, context


def full_run(backend: LlamaCppBackend, limit: int | None) -> None:
    pool = token_pool(backend)
    n_items = limit or len(valuelens.load_suite("core").dilemmas)
    f, c = _timings(backend, pool, 0, "before")
    fresh, context = [f], [c]
    seconds, tokens, prompts, decodes = 0.0, 0, 0, 0
    sizes: list[int] = []
    offsets: list[int] = []
    in_eval, replayed = 0.0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.sqlite"
        for part, upto in enumerate((n_items // 2, n_items)):
            d0 = backend.evals
            seen = record_decodes(backend)
            t0 = time.perf_counter()
            r = valuelens.run("llamacpp/gemma-3-270m", "core", limit=upto, store=store, backend=backend)
            seconds += time.perf_counter() - t0
            del backend._llm.eval  # the class method again
            sizes += seen.sizes
            offsets += seen.offsets
            in_eval += sum(seen.seconds)
            inv = r.invocation
            assert inv is not None and inv.failed == 0
            tokens, prompts, decodes = (
                tokens + inv.tokens_evaluated,
                prompts + inv.model_calls,
                decodes + backend.evals - d0,
            )
            print(
                f"part {part + 1}: {inv.model_calls} prompts, {inv.tokens_prompt} prompt tokens, "
                f"{inv.tokens_evaluated} evaluated, {time.perf_counter() - t0:.1f} s; {load()}"
            )
            replay = seen.replay(backend)
            replayed += replay
            print(f"  its {len(seen.sizes)} decodes replayed back to back: {replay:.1f} s; {load()}")
            f, c = _timings(backend, pool, part + 1, "after" if part else "between")
            fresh.append(f)
            context.append(c)
    per_decode = tokens / decodes
    assert sum(sizes) == tokens, (sum(sizes), tokens)
    ideal = sum(n / rate_at(fresh, n) for n in sizes)
    ideal_ctx = sum(n / rate_in_context(context, n, p) for n, p in zip(sizes, offsets, strict=True))
    rate = tokens / ideal
    best_n = max(SIZES, key=lambda n: rate_at(fresh, n))
    best = rate_at(fresh, best_n)
    pb = r.position_bias()
    print(
        f"run: {len(r.dilemmas)} dilemmas, {prompts} prompts in {seconds:.1f} s "
        f"({prompts / seconds:.2f} prompts/s); position bias {pb.value:+.3f} [{pb.ci_low:+.3f}, {pb.ci_high:+.3f}]"
    )
    print(
        f"tokens computed {tokens} in {decodes} llama_decode calls ({per_decode:.0f} per call); "
        f"achieved {tokens / seconds:.0f} tokens/s"
    )
    print(
        f"decode sizes: median {statistics.median(sizes):.0f}, quartiles {np.percentile(sizes, 25):.0f}-"
        f"{np.percentile(sizes, 75):.0f}, largest {max(sizes)}; cached tokens before them: median "
        f"{statistics.median(offsets):.0f}, quartiles {np.percentile(offsets, 25):.0f}-{np.percentile(offsets, 75):.0f}, "
        f"largest {max(offsets)}"
    )
    print(
        f"ideal {ideal:.1f} s at {rate:.0f} tokens/s (fresh raw prefill at the run's own decode sizes); "
        f"achieved/ideal = {seconds / ideal:.3f}"
    )
    print(
        f"ideal in context {ideal_ctx:.1f} s at {tokens / ideal_ctx:.0f} tokens/s (raw prefill at each decode's own "
        f"size after its own number of cached tokens); achieved/ideal = {seconds / ideal_ctx:.3f}"
    )
    print(
        f"the run's own decodes replayed back to back (same tokens, offsets and order; nothing in between) "
        f"took {replayed:.1f} s; achieved / that = {seconds / replayed:.3f}"
    )
    print(
        f"where the time went: {in_eval:.1f} s in the engine's decodes (Llama.eval; {in_eval / ideal_ctx:.3f}x ideal "
        f"in context), {seconds - in_eval:.1f} s elsewhere (prompts, tokenizing, label log-probabilities, store, analysis)"
    )
    print(
        f"at the best timed rate ({best_n} tokens per decode, {best:.0f} tokens/s) the same tokens would take {tokens / best:.1f} s; "
        f"achieved / that = {seconds / (tokens / best):.3f}"
    )


def peers(backend: LlamaCppBackend, limit: int, rounds: int) -> None:
    dilemmas = valuelens.load_suite("core").dilemmas[:limit]
    prompts = [j.prompt for j in dilemma_jobs(dilemmas, Condition())]
    times: dict[str, list[float]] = {"valuelens": [], "dailydilemmas": [], "dailydilemmas+cache": [], "harness": []}
    answers: dict[str, list[float]] = {}
    tokens: dict[str, int] = {}
    for rnd in range(rounds):
        names = list(times)[rnd % len(times) :] + list(times)[: rnd % len(times)]
        for name in names:
            backend.forget()
            t0 = time.perf_counter()
            if name == "valuelens":
                with tempfile.TemporaryDirectory() as tmp:
                    r = valuelens.run(
                        "llamacpp/gemma-3-270m", "core", limit=limit, store=Path(tmp) / "s.sqlite", backend=backend
                    )
                assert r.invocation is not None
                tokens[name] = r.invocation.tokens_evaluated
                # P of the first-listed label, prompt by prompt: A first, then B first (p_a_second is P(A) there)
                answers[name] = [
                    p for a1, a2 in zip(r.table.p_a_first, r.table.p_a_second, strict=True) for p in (a1, 1.0 - a2)
                ]
            elif name.startswith("dailydilemmas"):
                picks, tokens[name] = dailydilemmas_protocol(backend, prompts, share_prefix=name.endswith("cache"))
                answers[name] = picks
            else:
                lps, tokens[name] = backend.on_engine(harness_style, backend, prompts)  # where the run evaluates
                answers[name] = [p_first({"logprobs": dict(zip(LABELS, lp, strict=True))}, LABELS) for lp in lps]
            times[name].append(time.perf_counter() - t0)
        print(f"round {rnd + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()) + f"; {load()}")
    base = times["valuelens"]
    for name in ("dailydilemmas", "dailydilemmas+cache", "harness"):
        ratios = [a / b for a, b in zip(times[name], base, strict=True)]
        print(
            f"{name}: median {statistics.median(times[name]):.1f} s, {tokens[name]} tokens computed; "
            f"time / valuelens: median {statistics.median(ratios):.2f} (rounds {', '.join(f'{x:.2f}' for x in ratios)})"
        )
    print(
        f"valuelens: median {statistics.median(base):.1f} s, {tokens['valuelens']} tokens computed, "
        f"{len(prompts)} prompts ({limit} dilemmas x 2 orders)"
    )
    print(
        f"harness vs valuelens, largest |P difference| {np.max(np.abs(np.subtract(answers['harness'], answers['valuelens']))):.4f}"
    )
    vl = np.asarray(answers["valuelens"])
    for name in ("dailydilemmas", "dailydilemmas+cache"):
        picks = np.asarray(answers[name])
        agree = int(np.sum((picks != 0.5) & ((picks == 1.0) == (vl > 0.5))))
        print(
            f"{name} greedy picks vs valuelens's likelier label: {agree} of {len(vl)} agree, "
            f"{int(np.sum(picks == 0.5))} unparsed"
        )


def against_replay(backend: LlamaCppBackend, limit: int, rounds: int) -> None:
    """Rounds of: the run (fresh store), then its own decodes replayed back to back; the ratio pair by pair."""
    ratios, engine = [], []
    for rnd in range(rounds):
        backend.forget()
        seen = record_decodes(backend)
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            valuelens.run("llamacpp/gemma-3-270m", "core", limit=limit, store=Path(tmp) / "s.sqlite", backend=backend)
        seconds = time.perf_counter() - t0
        del backend._llm.eval
        replay = seen.replay(backend)
        ratios.append(seconds / replay)
        engine.append(sum(seen.seconds) / replay)
        print(
            f"round {rnd + 1}: run {seconds:.1f} s ({sum(seen.seconds):.1f} s in its {len(seen.sizes)} decodes), "
            f"the same decodes replayed {replay:.1f} s; run / replay {ratios[-1]:.3f}; {load()}"
        )
    print(
        f"run / its own decodes back to back: median {statistics.median(ratios):.3f} "
        f"(rounds {', '.join(f'{x:.3f}' for x in ratios)}); the run's decodes alone / replay: median "
        f"{statistics.median(engine):.3f}"
    )


def check(backend: LlamaCppBackend, limit: int | None) -> None:
    """Every prompt of the core suite: batched as a run asks vs alone from an empty cache."""
    dilemmas = valuelens.load_suite("core").dilemmas[:limit]
    prompts = [j.prompt for j in dilemma_jobs(dilemmas, Condition())]
    chunked = [backend.chunks(p) for p in prompts]
    backend.forget()
    batched = []
    for i in range(0, len(chunked), backend.max_batch):
        batched += backend.score_chunks(chunked[i : i + backend.max_batch], list(LABELS))
    alone = []
    for c in chunked:
        backend.forget()
        alone += backend.score_chunks([c], list(LABELS))
    p = [p_first({"logprobs": dict(zip(LABELS, lp, strict=True))}, LABELS) for lp in batched]
    q = [p_first({"logprobs": dict(zip(LABELS, lp, strict=True))}, LABELS) for lp in alone]
    diff = np.abs(np.subtract(p, q))
    same = sum(a == b for a, b in zip(batched, alone, strict=True))
    print(
        f"{len(prompts)} prompts: largest |P batched - P alone| = {diff.max():.2e}, mean {diff.mean():.2e}; "
        f"bit-identical log-probabilities: {same} of {len(prompts)}; {load()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N dilemmas (default: all; --peers: 60)")
    ap.add_argument("--peers", action="store_true", help="time the DailyDilemmas and harness-style protocols too")
    ap.add_argument("--rounds", type=int, default=3, help="--peers, --replay: interleaved rounds")
    ap.add_argument("--check", action="store_true", help="compare batched and one-at-a-time evaluation")
    ap.add_argument("--replay", action="store_true", help="rounds of the run against its own decodes back to back")
    args = ap.parse_args()
    backend = LlamaCppBackend()
    print(f"machine: {machine(backend)}; {load()}")
    if args.peers:
        peers(backend, args.limit or 60, args.rounds)
    elif args.replay:
        against_replay(backend, args.limit or 90, args.rounds)
    elif args.check:
        check(backend, args.limit)
    else:
        full_run(backend, args.limit)
    backend.close()


if __name__ == "__main__":
    main()

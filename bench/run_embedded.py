"""A full default run on the embedded model against the ideal set by the same engine's raw prefill.

    python bench/run_embedded.py [--limit N]      # the run, raw prefill timed before, between, after
    python bench/run_embedded.py --peers [--limit N] [--rounds R]   # the field's protocols, same dilemmas
    python bench/run_embedded.py --check [--limit N]   # batched vs one-prompt-at-a-time, largest |dP|

Ideal time = the run's evaluated tokens at the raw prefill rate of the same backend, in this process,
at the sizes of the run's own llama_decode calls: the sum over its decodes of n / rate(n), rate(n)
interpolated between rates timed at 16, 32, 64, 128, 256 and 512 tokens (each a median of 3
evaluations of one fresh sequence, timed before, between and after the run). It also prints the ideal
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
from peers import dailydilemmas_protocol, harness_style

import valuelens
from valuelens.backends.llamacpp import LlamaCppBackend, cpu_flags, has_amx
from valuelens.prompts import LABELS, Condition, dilemma_jobs
from valuelens.runner import p_first

SIZES = (16, 32, 64, 128, 256, 512)


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


def prefill_rates(backend: LlamaCppBackend, pool: list[int], seed: int) -> dict[int, float]:
    """Tokens/s of one fresh sequence of n tokens (no cached prefix), median of 3, per n in SIZES."""
    rates: dict[int, float] = {}
    for n in SIZES:
        runs = []
        for k in range(3):
            start = (seed * 7919 + k * 1009 + n) % (len(pool) - n)
            backend.forget()
            t0 = time.perf_counter()
            backend.score_chunks([(tuple(pool[start : start + n]),)], list(LABELS))
            runs.append(n / (time.perf_counter() - t0))
        rates[n] = statistics.median(runs)
    backend.forget()
    return rates


def rate_at(rates: list[dict[int, float]], n: float) -> float:
    """Raw prefill rate at n tokens per decode: mean over the timings, linear in between sizes."""
    return float(np.mean([np.interp(n, SIZES, [r[s] for s in SIZES]) for r in rates]))


def record_decodes(backend: LlamaCppBackend) -> tuple[list[int], list[float]]:
    """Sizes and wall times of the backend's llama_decode calls from now on (its label scoring evaluates
    through Llama.eval); the time is Llama.eval's, which holds the decode and copying the last logits."""
    sizes: list[int] = []
    spent: list[float] = []
    llm = backend._llm
    inner = llm.eval

    def eval_and_record(tokens: list[int]) -> None:
        sizes.append(len(tokens))
        t0 = time.perf_counter()
        inner(tokens)
        spent.append(time.perf_counter() - t0)

    llm.eval = eval_and_record  # type: ignore[method-assign]
    return sizes, spent


def token_pool(backend: LlamaCppBackend) -> list[int]:
    text = " ".join(d.situation + " " + d.question for d in valuelens.load_suite("core").dilemmas)
    return backend.tokenize(text)[1:]


def show_rates(when: str, r: dict[int, float]) -> None:
    print(f"raw prefill {when}: " + ", ".join(f"{n} tokens {v:.0f}/s" for n, v in r.items()) + f"; {load()}")


def full_run(backend: LlamaCppBackend, limit: int | None) -> None:
    pool = token_pool(backend)
    n_items = limit or len(valuelens.load_suite("core").dilemmas)
    rates = [prefill_rates(backend, pool, 0)]
    show_rates("before", rates[-1])
    seconds, tokens, prompts, decodes = 0.0, 0, 0, 0
    sizes: list[int] = []
    in_eval = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.sqlite"
        for part, upto in enumerate((n_items // 2, n_items)):
            d0 = backend.evals
            recorded, spent = record_decodes(backend)
            t0 = time.perf_counter()
            r = valuelens.run("llamacpp/gemma-3-270m", "core", limit=upto, store=store, backend=backend)
            seconds += time.perf_counter() - t0
            del backend._llm.eval  # the class method again
            sizes += recorded
            in_eval += sum(spent)
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
            backend.forget()  # the raw prefill timing must not leave anything the run could reuse, or v.v.
            rates.append(prefill_rates(backend, pool, part + 1))
            show_rates("after" if part else "between", rates[-1])
    per_decode = tokens / decodes
    assert sum(sizes) == tokens, (sum(sizes), tokens)
    ideal = sum(n / rate_at(rates, n) for n in sizes)
    rate = tokens / ideal
    best_n = max(SIZES, key=lambda n: rate_at(rates, n))
    best = rate_at(rates, best_n)
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
        f"{np.percentile(sizes, 75):.0f}, largest {max(sizes)}"
    )
    print(
        f"ideal {ideal:.1f} s at {rate:.0f} tokens/s (raw prefill at the run's own decode sizes); "
        f"achieved/ideal = {seconds / ideal:.3f}"
    )
    print(
        f"where the time went: {in_eval:.1f} s in the engine's decodes (Llama.eval; {in_eval / ideal:.3f}x ideal), "
        f"{seconds - in_eval:.1f} s elsewhere (prompts, tokenizing, label log-probabilities, store, analysis)"
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
                lps, tokens[name] = harness_style(backend, prompts)
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
    ap.add_argument("--rounds", type=int, default=3, help="--peers: interleaved rounds")
    ap.add_argument("--check", action="store_true", help="compare batched and one-at-a-time evaluation")
    args = ap.parse_args()
    backend = LlamaCppBackend()
    print(f"machine: {machine(backend)}; {load()}")
    if args.peers:
        peers(backend, args.limit or 60, args.rounds)
    elif args.check:
        check(backend, args.limit)
    else:
        full_run(backend, args.limit)
    backend.close()


if __name__ == "__main__":
    main()

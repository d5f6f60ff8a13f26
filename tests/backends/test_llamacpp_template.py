"""Chat templates for GGUF models: rendering, think blocks, evaluation cuts, the choice of format, and
how the format in use is read back from a fingerprint (no model needed here; see tests/test_smollm2.py)."""

from __future__ import annotations

import pytest

from valuelens.backends import template_of
from valuelens.backends.llamacpp._template import (
    ChatFormat,
    RawFormat,
    choose_format,
    cut,
    cuts_to_try,
    label_plan,
)
from valuelens.errors import InputError
from valuelens.prompts import INSTRUCTION, Condition, dilemma_prompt
from valuelens.report._prompt_format import template_text
from valuelens.suites import load_suite

CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
# DeepSeek-R1 style: the generation prompt opens a think block
OPENS_THINK = CHATML.replace("assistant\\n' }}", "assistant\\n<think>\\n' }}")
# Qwen3 style: thinking switched off through enable_thinking writes an empty think block
SWITCHES_THINK = CHATML.replace(
    "{% endif %}",
    "{% if enable_thinking is defined and enable_thinking is false %}{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}"
    "{% endif %}",
)
NO_SYSTEM = "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" + (
    CHATML
)


def _prompts(system: str | None = None):
    dilemmas = load_suite("core").dilemmas[:2]
    return [dilemma_prompt(d, o, Condition(system_prompt=system)) for d in dilemmas for o in (0, 1)]


def test_chatml_renders_the_messages_and_opens_the_assistant_turn() -> None:
    fmt = ChatFormat(CHATML, "<s>", "</s>", "llamacpp/m.gguf")
    p = _prompts("Be brief.")[0]
    text = "".join(fmt.score_pieces(p))
    assert text == (
        f"<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n{p.user}<|im_end|>\n<|im_start|>assistant\n"
    )
    assert fmt.id.startswith("chat:") and len(fmt.id) == len("chat:") + 8 and "+" not in fmt.id
    assert fmt.tail == "<|im_end|>\n<|im_start|>assistant\n"
    assert fmt.generation_text(p) == (text, "")
    assert ChatFormat(CHATML + " ", "<s>", "</s>", "x").id != fmt.id  # the id is the template's hash


def test_the_rendering_is_cut_where_the_prompt_is_so_prompts_share_chunks() -> None:
    fmt = ChatFormat(CHATML, "<s>", "</s>", "x")
    for system in (None, "Answer honestly."):
        prompts = _prompts(system)
        pieces = [fmt.score_pieces(p) for p in prompts]
        raw = [p.pieces() for p in prompts]
        assert all(len(c) == len(r) == 3 for c, r in zip(pieces, raw, strict=True))
        # the conversation up to the end of the instruction is one piece, shared by every prompt
        assert len({c[0] for c in pieces}) == 1 and pieces[0][0].endswith(f"<|im_start|>user\n{INSTRUCTION}\n\n")
        # the dilemma is the second piece, shared by its two orders; the options and the template's tail last
        assert pieces[0][1] == pieces[1][1] == raw[0][1] and pieces[0][1] != pieces[2][1]
        assert pieces[0][2].startswith("A. ") and pieces[0][2].endswith("<|im_start|>assistant\n")
    p = _prompts()[0]
    assert cut("no user message here", p) == ["no user message here"]


def test_a_generation_prompt_that_opens_a_think_block_is_closed_for_scoring_only() -> None:
    fmt = ChatFormat(OPENS_THINK, "<s>", "</s>", "x")
    p = _prompts()[0]
    scored = "".join(fmt.score_pieces(p))
    assert scored.endswith(f"{p.user}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert fmt.id.endswith("+nothink") and fmt.tail.endswith("<think>\n\n</think>\n\n")
    text, opening = fmt.generation_text(p)
    assert text.endswith("assistant\n<think>\n") and opening == "<think>\n"  # put back in front of answers
    assert template_text(fmt.id) == f"chat template {fmt.id[5:13]}, scored after an empty think block"


def test_a_template_that_switches_thinking_off_is_scored_without_thinking() -> None:
    fmt = ChatFormat(SWITCHES_THINK, "<s>", "</s>", "x")
    p = _prompts()[0]
    assert "".join(fmt.score_pieces(p)).endswith("assistant\n<think>\n\n</think>\n\n")
    assert fmt.id.endswith("+nothink")
    text, opening = fmt.generation_text(p)
    assert text.endswith("assistant\n") and opening == ""  # thinking on: the model opens the block itself


def test_template_choice_and_its_errors_are_one_line() -> None:
    meta = {"tokenizer.chat_template": CHATML}
    assert isinstance(choose_format(None, {}, "", "", "llamacpp/m.gguf"), RawFormat)
    assert isinstance(choose_format(None, meta, "", "", "llamacpp/m.gguf"), ChatFormat)
    assert isinstance(choose_format("raw", meta, "", "", "llamacpp/m.gguf"), RawFormat)
    with pytest.raises(InputError, match=r"^llamacpp/m.gguf\?template=chat: this GGUF has no chat template"):
        choose_format("chat", {}, "", "", "llamacpp/m.gguf")
    with pytest.raises(InputError, match=r"template=jinja: must be one of raw, chat"):
        choose_format("jinja", meta, "", "", "llamacpp/m.gguf")
    with pytest.raises(InputError, match=r"chat template cannot be read .*; use \?template=raw$"):
        ChatFormat("{% for %}", "", "", "llamacpp/m.gguf")
    refuses = "{{ raise_exception('Conversation roles must alternate user/assistant') }}"
    with pytest.raises(InputError) as err:
        ChatFormat(refuses, "", "", "llamacpp/m.gguf")
    assert str(err.value) == (
        "llamacpp/m.gguf: the GGUF's chat template refused a prompt (Conversation roles must alternate "
        "user/assistant); use ?template=raw"
    )


def test_a_template_that_refuses_system_messages_gets_the_system_prompt_atop_the_user_message() -> None:
    fmt = ChatFormat(NO_SYSTEM, "", "", "llamacpp/m.gguf")
    p = _prompts("Be brief.")[0]
    pieces = fmt.score_pieces(p)
    assert "".join(pieces).startswith(f"<|im_start|>user\nBe brief.\n\n{INSTRUCTION}")
    assert len(pieces) == 3  # still cut at the prompt's boundaries


def test_templates_do_not_see_todays_date() -> None:
    """A template that prints the date (Llama 3 style) falls back to its fixed one: the same prompt renders
    the same on every day, as its cached answer assumes."""
    dated = "{% if strftime_now is defined %}{{ strftime_now('%d %b %Y') }}{% else %}26 Jul 2024{% endif %}" + CHATML
    assert "".join(ChatFormat(dated, "", "", "x").score_pieces(_prompts()[0])).startswith("26 Jul 2024")


def test_cuts_fall_back_to_moving_white_space_then_to_the_whole_text() -> None:
    pieces = ["head\n\n", "body\n\n", "tail"]
    tries = cuts_to_try(pieces)
    assert tries == [pieces, ["head", "\n\nbody", "\n\ntail"], ["head\n\nbody\n\ntail"]]
    assert all("".join(t) == "".join(pieces) for t in tries)


def _toy_tokenizer(text: str) -> list[int]:
    """Characters as tokens, except that a space followed by a letter is one token, and so is "\n\n" at
    the end of the text (a toy BPE)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == " " and i + 1 < len(text) and text[i + 1].isalpha():
            out.append(1000 + ord(text[i + 1]))
            i += 2
        elif text[i:] == "\n\n":
            out.append(2000)
            i += 2
        else:
            out.append(ord(text[i]))
            i += 1
    return out


def _toy_decode(token: int) -> str:
    return "\n\n" if token == 2000 else f" {chr(token - 1000)}" if token >= 1000 else chr(token)


def test_label_tokens_are_checked_with_the_tokenizer_where_the_answer_starts() -> None:
    raw = RawFormat()
    letters = label_plan(_toy_tokenizer, _toy_decode, raw, ("A", "B"))
    assert letters.lead == () and letters.ids == (1000 + ord("A"), 1000 + ord("B"))
    digits = label_plan(_toy_tokenizer, _toy_decode, raw, ("1", "2"))  # " 1" is a space, then "1"
    assert digits.lead == (ord(" "),) and digits.ids == (ord("1"), ord("2"))
    with pytest.raises(InputError, match=r"^label '10' is not one token where the answer starts \(raw template"):
        label_plan(_toy_tokenizer, _toy_decode, raw, ("1", "10"))
    chat = ChatFormat(CHATML, "", "", "x")
    assert label_plan(_toy_tokenizer, _toy_decode, chat, ("A", "B")).ids == (ord("A"), ord("B"))
    with pytest.raises(InputError, match=r"label 'Yes' is not one token .*'Y'\+'e'\+'s'.* or \?template=raw$"):
        label_plan(_toy_tokenizer, _toy_decode, chat, ("Yes", "No"))
    # after an empty think block the text ends in "\n\n", one token alone, "\n", "\n" before a label
    think = label_plan(_toy_tokenizer, _toy_decode, ChatFormat(OPENS_THINK, "", "", "x"), ("A", "B"))
    assert think.drop == 1 and think.lead == (10, 10) and think.ids == (ord("A"), ord("B"))


def test_the_template_in_use_is_read_back_from_the_fingerprint() -> None:
    base = "llamacpp:abc:llama-cpp-python=0.3.36:ctx=4096:chunks=segments:extra_bufts=off"
    assert template_of(base) == "raw"  # stored before templates existed: raw text
    assert template_of(base + ":template=raw") == "raw"
    assert template_of(base + ":template=chat:872be49d+nothink") == "chat:872be49d+nothink"
    assert template_of("openai:m?api=completions&logprobs=auto&top=20@http://h/v1") == "raw"
    assert template_of("openai:m?api=chat&logprobs=auto&top=20@http://h/v1") == "server"
    assert template_of("hf:x:template=chat:dtype=float32:transformers=4") == "chat"
    assert template_of("synthetic:v1:default@0?") is None and template_of("anthropic:claude?@u") is None
    assert template_text("raw") == "raw text, no chat template"
    assert template_text("server") == "the server's chat template"
    assert template_text("chat:872be49d") == "chat template 872be49d"


def test_an_openai_server_says_raw_text_for_completions_and_its_own_template_for_chat(suite_file) -> None:
    """Servers do not expose their template: completions send the raw prompt text, chat the messages."""
    pytest.importorskip("openai")
    import io

    from rich.console import Console
    from tests.servers.openai_fake import Faults, serve

    import valuelens
    from valuelens.report import print_run

    server, _ = serve(Faults(), max_requests=200, max_seconds=60)
    try:
        for api, template, words in (
            ("completions", "raw", "raw text, no chat template"),
            ("chat", "server", "the server's chat template"),
        ):
            s = valuelens.run(f"openai/fake?api={api}", str(suite_file(3)), base_url=server.url + "/v1").summary()
            assert s["template"] == template
            out = io.StringIO()
            print_run(s, Console(file=out, width=200))
            assert out.getvalue().startswith(f"openai/fake?api={api} ({words}) on suite")
    finally:
        server.stop()

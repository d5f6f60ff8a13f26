"""Test servers on 127.0.0.1: OpenAI- and Anthropic-compatible fakes with fault injection."""

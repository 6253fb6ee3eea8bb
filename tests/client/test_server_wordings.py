"""Local servers' own error replies are classified right: overflow, unknown model, refusal.

Each case is the status and body a server really sends. llama-cpp-python's
were captured from version 0.3.36 (serving SmolLM2-135M-Instruct, as in
/work/shared/reference/llama-cpp-server.md); for the servers that cannot run
here the text comes from their source, named beside each case.
"""

from __future__ import annotations

import json

import pytest

from evalkit.client.http_errors import context_window_in, error_for_status, max_output_in
from evalkit.errors import (
    BadRequestError,
    ContextLengthError,
    RequestError,
    ServerError,
    TargetFatalError,
)


def _body(error: dict[str, object]) -> bytes:
    return json.dumps({"error": error}).encode()


# llama-cpp-python 0.3.36, captured: a 9,010-token prompt against --n_ctx 8192.
LLAMA_CPP_PYTHON_OVERFLOW = _body(
    {
        "message": "This model's maximum context length is 8192 tokens. However, you requested "
        "9060 tokens (9010 in the messages, 50 in the completion). Please reduce the length of "
        "the messages or completion.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
)
# llama-cpp-python 0.3.36, captured: response_format {"type": "json_schema", ...}.
LLAMA_CPP_PYTHON_JSON_SCHEMA = _body(
    {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
        "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
        "'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File "
        '"/venv/lib/python3.11/site-packages/llama_cpp/server/app.py", line 376, in '
        "create_chat_completion\n    POST /v1/chat/completions",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
)
# llama-cpp-python 0.3.36, captured: "max_tokens": "lots".
LLAMA_CPP_PYTHON_BAD_TYPE = _body(
    {
        "message": "1 validation error:\n  {'type': 'int_parsing', 'loc': ('body', 'max_tokens'), "
        "'msg': 'Input should be a valid integer, unable to parse string as an integer', "
        "'input': 'lots'}\n\n  File \"/venv/lib/python3.11/site-packages/llama_cpp/server/app.py\""
        ", line 376, in create_chat_completion\n    POST /v1/chat/completions",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
)
# llama.cpp's llama-server: tools/server/server-context.cpp sends
# "request (%d tokens) exceeds the available context size (%d tokens), try increasing it"
# as ERROR_TYPE_EXCEED_CONTEXT_SIZE, which tools/server/server-common.cpp
# (format_error_response) turns into code 400, type "exceed_context_size_error";
# server-task.cpp adds n_prompt_tokens and n_ctx beside it.
LLAMA_SERVER_OVERFLOW = _body(
    {
        "code": 400,
        "message": "request (9000 tokens) exceeds the available context size (8192 tokens), "
        "try increasing it",
        "type": "exceed_context_size_error",
        "n_prompt_tokens": 9000,
        "n_ctx": 8192,
    }
)
# llama-server: server-common.cpp (oaicompat params) throws "Unsupported param: <name>"
# for best_of/echo/suffix, answered as ERROR_TYPE_INVALID_REQUEST (400).
LLAMA_SERVER_UNSUPPORTED = _body(
    {"code": 400, "message": "Unsupported param: best_of", "type": "invalid_request_error"}
)
# llama-server: ERROR_TYPE_NOT_SUPPORTED is type "not_supported_error", code 501.
LLAMA_SERVER_NOT_SUPPORTED = _body(
    {
        "code": 501,
        "message": "This server does not support embeddings. Start it with `--embeddings`",
        "type": "not_supported_error",
    }
)
# vLLM: vllm/v1/engine/processor.py (_validate_model_input) raises this ValueError,
# answered as a 400 BadRequestError by the OpenAI server.
VLLM_PROMPT_TOO_LONG = _body(
    {
        "message": "The decoder prompt (length 9000) is longer than the maximum model length of "
        "8192. Make sure that `max_model_len` is no smaller than the number of text tokens.",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    }
)
# vLLM: vllm/entrypoints/openai/serving_engine.py (_check_model), a 404 NotFoundError.
VLLM_UNKNOWN_MODEL = json.dumps(
    {
        "object": "error",
        "message": "The model `gpt-nonexistent` does not exist.",
        "type": "NotFoundError",
        "param": None,
        "code": 404,
    }
).encode()
# vLLM: tool_choice "auto" on a server started without --enable-auto-tool-choice.
VLLM_AUTO_TOOLS = _body(
    {
        "message": '"auto" tool choice requires --enable-auto-tool-choice and '
        "--tool-call-parser to be set",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    }
)
# Ollama: server/routes.go answers an unknown model with 404
# `model "x" not found, try pulling it first`; openai/openai.go (NewError) wraps it
# as type "not_found_error".
OLLAMA_UNKNOWN_MODEL = _body(
    {
        "message": 'model "llama9" not found, try pulling it first',
        "type": "not_found_error",
        "param": None,
        "code": None,
    }
)
# Ollama: a model whose template has no tools, wrapped by openai.NewError(400, ...).
OLLAMA_NO_TOOLS = _body(
    {
        "message": "registry.ollama.ai/library/gemma3:4b does not support tools",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
)
# LM Studio (closed source): the bodies users report in lmstudio-ai/lmstudio-bug-tracker
# issues #237 (overflow, 400) and gpt-researcher#1556 (unknown model, a 400).
LM_STUDIO_OVERFLOW = _body(
    {
        "message": "Trying to keep the first 15857 tokens when context the overflows. However, "
        "the model is loaded with context length of only 4096 tokens, which is not enough. "
        "Try to load the model with a larger context length, or provide a shorter input",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
)
LM_STUDIO_UNKNOWN_MODEL = _body(
    {
        "message": 'Invalid model identifier "o4-mini". Please specify a valid downloaded model '
        "(e.g., qwen3-vl-8b).",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }
)

CASES = [
    ("llama-cpp-python overflow", 400, LLAMA_CPP_PYTHON_OVERFLOW, ContextLengthError, 8192),
    ("llama-cpp-python json_schema", 500, LLAMA_CPP_PYTHON_JSON_SCHEMA, BadRequestError, None),
    ("llama-cpp-python bad type", 500, LLAMA_CPP_PYTHON_BAD_TYPE, BadRequestError, None),
    ("llama-server overflow", 400, LLAMA_SERVER_OVERFLOW, ContextLengthError, 8192),
    ("llama-server unsupported", 400, LLAMA_SERVER_UNSUPPORTED, BadRequestError, None),
    ("llama-server not supported", 501, LLAMA_SERVER_NOT_SUPPORTED, BadRequestError, None),
    ("vllm prompt too long", 400, VLLM_PROMPT_TOO_LONG, ContextLengthError, 8192),
    ("vllm unknown model", 404, VLLM_UNKNOWN_MODEL, TargetFatalError, None),
    ("vllm auto tools", 400, VLLM_AUTO_TOOLS, BadRequestError, None),
    ("ollama unknown model", 404, OLLAMA_UNKNOWN_MODEL, TargetFatalError, None),
    ("ollama no tools", 400, OLLAMA_NO_TOOLS, BadRequestError, None),
    ("lm studio overflow", 400, LM_STUDIO_OVERFLOW, ContextLengthError, 4096),
    ("lm studio unknown model", 400, LM_STUDIO_UNKNOWN_MODEL, TargetFatalError, None),
]


@pytest.mark.parametrize(
    ("status", "body", "cls", "window"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_servers_wording_is_classified(
    status: int, body: bytes, cls: type[RequestError], window: int | None
) -> None:
    err = error_for_status(status, body, {})
    assert type(err) is cls, err.message
    assert err.http_status == status
    assert context_window_in(err.message) == window


def test_a_plain_internal_server_error_stays_retryable() -> None:
    # llama-cpp-python 0.3.36, captured: a body cut in the middle ({"messages": [) gets a
    # text/plain 500 that says nothing; it may be transient, so it is retried.
    err = error_for_status(500, b"Internal Server Error", {})
    assert type(err) is ServerError
    assert err.message == "HTTP 500 Internal Server Error: Internal Server Error"


def test_an_overloaded_500_is_not_taken_for_a_validation_error() -> None:
    body = _body({"message": "CUDA out of memory while validating the batch", "type": "server"})
    assert type(error_for_status(500, body, {})) is ServerError


def test_max_output_cap_is_read_from_openais_wording() -> None:
    text = (
        "max_tokens is too large: 1000000. This model supports at most 16384 completion "
        "tokens, whereas you provided 1000000."
    )
    assert max_output_in(text) == 16384
    assert max_output_in("something else entirely") is None

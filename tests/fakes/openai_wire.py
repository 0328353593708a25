"""OpenAI's wire formats (Chat Completions and Responses), as api.openai.com sends them.

Details copied on purpose: pretty-printed JSON bodies (2 spaces; errors 4), compact SSE
``data:`` lines, ``data: [DONE]`` after Chat streams, ``event:`` lines plus ``type`` and
``sequence_number`` in Responses streams, ``obfuscation`` padding fields, and the optional
usage-only final chunk of ``stream_options.include_usage``.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from .wire import Call, Reply, Turn, dumps_compact, new_id, pieces, sse

__all__ = ["chat", "chatgpt_accounts", "error_reply", "injected_error", "models", "not_found",
           "responses"]

_HEX = "0123456789abcdef"
_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}


def headers(content_type: str) -> list[tuple[str, str]]:
    """Response headers shaped like OpenAI's (behind Cloudflare)."""
    return [
        ("content-type", content_type),
        ("openai-version", "2020-10-01"),
        ("openai-organization", "user-fakeorg"),
        ("openai-project", "proj_FakeProject"),
        ("openai-processing-ms", "42"),
        ("x-request-id", new_id("req_", 32, _HEX)),
        ("x-ratelimit-limit-requests", "10000"),
        ("x-ratelimit-remaining-requests", "9999"),
        ("x-ratelimit-reset-requests", "6ms"),
        ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
        ("x-content-type-options", "nosniff"),
        ("server", "cloudflare"),
        ("cf-cache-status", "DYNAMIC"),
    ]


def _json(status: int, obj: Any, indent: int = 2) -> Reply:
    body = (json.dumps(obj, indent=indent, ensure_ascii=False) + "\n").encode()
    return Reply(status, headers("application/json"), body=body)


def _error_obj(message: str, type_: str, code: str | None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def error_reply(status: int, message: str, type_: str, code: str | None = None) -> Reply:
    """An error response exactly in OpenAI's shape."""
    return _json(status, _error_obj(message, type_, code), indent=4)


def not_found(method: str, path: str) -> Reply:
    """OpenAI's answer to an unknown route."""
    return error_reply(404, f"Invalid URL ({method} {path})", "invalid_request_error")


def injected_error(status: int, echo: str) -> Reply:
    """Error requested by ``x-fake-error``; the message echoes the input like real errors can."""
    type_, code = _ERROR_KINDS.get(status, ("server_error" if status >= 500 else
                                            "invalid_request_error", None))
    reply = error_reply(status, f"Fake upstream error {status}. Input was: {echo}", type_, code)
    reply.headers.append(("x-should-retry", "false"))
    return reply


def _stream_error_frame(echo: str) -> bytes:
    return sse(dumps_compact(_error_obj(f"Fake mid-stream error. Input was: {echo}",
                                        "server_error", None)))


def _text_of(content: Any) -> str:
    """Text of a message ``content`` (string or list of parts)."""
    if isinstance(content, str):
        return content
    out = []
    for part in content or []:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            out.append(part["text"])
        elif isinstance(part, str):
            out.append(part)
    return "".join(out)


def _obfuscation() -> str:
    return new_id("", 1 + secrets.randbelow(12))


# --- Chat Completions ---------------------------------------------------------------------


def chat_turn(data: dict) -> Turn:
    """Last user turn of a Chat Completions request: trailing user/tool messages."""
    messages = data.get("messages") or []
    trailing: list[dict] = []
    for msg in reversed(messages):
        if msg.get("role") == "assistant":
            break
        trailing.insert(0, msg)
    turn = Turn()
    texts, user_texts = [], []
    for msg in trailing:
        if msg.get("role") == "user":
            user_texts.append(_text_of(msg.get("content")))
            texts.append(user_texts[-1])
        elif msg.get("role") in ("tool", "function"):
            turn.has_tool_result = True
            texts.append(_text_of(msg.get("content")))
    if not texts:
        users = [m for m in messages if m.get("role") == "user"]
        if users:
            user_texts = texts = [_text_of(users[-1].get("content"))]
    turn.text, turn.user_text = "".join(texts), "".join(user_texts)
    for tool in data.get("tools") or []:
        fn = tool.get("function") or tool
        if fn.get("name"):
            turn.tool_name = fn["name"]
            break
    else:
        functions = data.get("functions") or []
        turn.tool_name = functions[0].get("name") if functions else None
    return turn


def _chat_usage(prompt: int, completion: int) -> dict:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def chat(call: Call) -> Reply:
    """``POST /v1/chat/completions``: JSON or SSE, text or one tool call."""
    data = call.data
    k = call.knobs
    turn = chat_turn(data)
    model = k.model(str(data.get("model", "")))
    text = k.reply_text if k.reply_text is not None else "Echo: " + turn.text
    call_args = turn.call_arguments(k)
    tool = call_args is not None
    out_text = call_args if call_args is not None else text
    prompt, completion = k.usage(call.body_len, out_text)
    cid, call_id = new_id("chatcmpl-", 29), new_id("call_", 24)
    created, fingerprint = int(time.time()), new_id("fp_", 10, _HEX)

    if not data.get("stream"):
        message: dict[str, Any] = {"role": "assistant", "content": None if tool else text,
                                   "refusal": None, "annotations": []}
        if tool:
            message["tool_calls"] = [{"id": call_id, "type": "function", "function": {
                "name": turn.tool_name, "arguments": out_text}}]
        return _json(200, {
            "id": cid, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if tool else "stop"}],
            "usage": _chat_usage(prompt, completion),
            "service_tier": "default", "system_fingerprint": fingerprint,
        })

    opts = data.get("stream_options") or {}
    include_usage = bool(opts.get("include_usage"))
    obfuscate = opts.get("include_obfuscation", True) is not False

    def chunk(delta: dict, finish: str | None = None) -> bytes:
        obj: dict[str, Any] = {
            "id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "service_tier": "default", "system_fingerprint": fingerprint,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if include_usage:
            obj["usage"] = None
        if obfuscate:
            obj["obfuscation"] = _obfuscation()
        return sse(dumps_compact(obj))

    frames: list[bytes] = []
    if tool:
        frames.append(chunk({"role": "assistant", "content": None, "tool_calls": [{
            "index": 0, "id": call_id, "type": "function",
            "function": {"name": turn.tool_name, "arguments": ""}}], "refusal": None}))
        for frag in pieces(out_text, k.chunk_chars):
            frames.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": frag}}]}))
        frames.append(chunk({}, "tool_calls"))
    else:
        frames.append(chunk({"role": "assistant", "content": "", "refusal": None}))
        frames.extend(chunk({"content": frag}) for frag in pieces(text, k.chunk_chars) if frag)
        frames.append(chunk({}, "stop"))
    if include_usage:
        last: dict[str, Any] = {
            "id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "service_tier": "default", "system_fingerprint": fingerprint, "choices": [],
            "usage": _chat_usage(prompt, completion),
        }
        if obfuscate:
            last["obfuscation"] = _obfuscation()
        frames.append(sse(dumps_compact(last)))
    frames.append(sse("[DONE]"))
    return Reply(200, headers("text/event-stream; charset=utf-8"), frames=frames,
                 error_frame=_stream_error_frame(turn.text))


# --- Responses ----------------------------------------------------------------------------


def responses_turn(data: dict) -> Turn:
    """Last user turn of a Responses request: the ``input`` string or trailing user items."""
    turn = Turn()
    items = data.get("input")
    if isinstance(items, str):
        turn.text = turn.user_text = items
    else:
        trailing: list[dict] = []
        for item in reversed(items or []):
            kind = item.get("type", "message")
            if item.get("role") == "assistant" or kind in ("function_call", "reasoning"):
                break
            trailing.insert(0, item)
        texts, user_texts = [], []
        for item in trailing:
            kind = item.get("type", "message")
            if kind == "message" and item.get("role") == "user":
                user_texts.append(_text_of(item.get("content")))
                texts.append(user_texts[-1])
            elif kind == "function_call_output":
                turn.has_tool_result = True
                texts.append(_text_of(item.get("output")))
        turn.text, turn.user_text = "".join(texts), "".join(user_texts)
    for tool in data.get("tools") or []:
        if tool.get("type") == "function" and tool.get("name"):
            turn.tool_name = tool["name"]
            break
    return turn


def _response_obj(data: dict, rid: str, model: str, created: int, status: str,
                  output: list, usage: dict | None) -> dict:
    return {
        "id": rid, "object": "response", "created_at": created, "status": status,
        "background": False, "error": None, "incomplete_details": None,
        "instructions": data.get("instructions"), "max_output_tokens":
        data.get("max_output_tokens"), "max_tool_calls": None, "model": model,
        "output": output, "parallel_tool_calls": True, "previous_response_id":
        data.get("previous_response_id"), "prompt_cache_key": None,
        "reasoning": {"effort": None, "summary": None}, "safety_identifier": None,
        "service_tier": "default", "store": data.get("store", True),
        "temperature": data.get("temperature", 1.0),
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": data.get("tool_choice", "auto"), "tools": data.get("tools") or [],
        "top_logprobs": 0, "top_p": data.get("top_p", 1.0), "truncation": "disabled",
        "usage": usage, "user": None, "metadata": data.get("metadata") or {},
    }


def responses(call: Call) -> Reply:
    """``POST /v1/responses``: JSON or the typed, sequence-numbered SSE event stream."""
    data = call.data
    k = call.knobs
    turn = responses_turn(data)
    model = k.model(str(data.get("model", "")))
    text = k.reply_text if k.reply_text is not None else "Echo: " + turn.text
    call_args = turn.call_arguments(k)
    tool = call_args is not None
    out_text = call_args if call_args is not None else text
    prompt, completion = k.usage(call.body_len, out_text)
    usage = {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": 0},
             "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": 0},
             "total_tokens": prompt + completion}
    rid = "resp_" + secrets.token_hex(25)
    item_id = ("fc_" if tool else "msg_") + secrets.token_hex(25)
    call_id = new_id("call_", 24)
    created = int(time.time())
    part_done = {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
    if tool:
        item_done: dict[str, Any] = {"id": item_id, "type": "function_call", "status":
                                     "completed", "arguments": out_text, "call_id": call_id,
                                     "name": turn.tool_name}
    else:
        item_done = {"id": item_id, "type": "message", "status": "completed",
                     "content": [part_done], "role": "assistant"}
    final = _response_obj(data, rid, model, created, "completed", [item_done], usage)

    if not data.get("stream"):
        return _json(200, final)

    seq = 0
    obfuscate = (data.get("stream_options") or {}).get("include_obfuscation", True) is not False

    def event(type_: str, **fields: Any) -> bytes:
        nonlocal seq
        obj = {"type": type_, "sequence_number": seq, **fields}
        seq += 1
        return sse(dumps_compact(obj), event=type_)

    def delta_extra() -> dict:
        return {"obfuscation": _obfuscation()} if obfuscate else {}

    frames = [
        event("response.created",
              response=_response_obj(data, rid, model, created, "in_progress", [], None)),
        event("response.in_progress",
              response=_response_obj(data, rid, model, created, "in_progress", [], None)),
    ]
    if tool:
        added = {**item_done, "status": "in_progress", "arguments": ""}
        frames.append(event("response.output_item.added", output_index=0, item=added))
        for frag in pieces(out_text, k.chunk_chars):
            frames.append(event("response.function_call_arguments.delta", item_id=item_id,
                                output_index=0, delta=frag, **delta_extra()))
        frames.append(event("response.function_call_arguments.done", item_id=item_id,
                            output_index=0, arguments=out_text))
    else:
        added = {"id": item_id, "type": "message", "status": "in_progress", "content": [],
                 "role": "assistant"}
        frames.append(event("response.output_item.added", output_index=0, item=added))
        frames.append(event("response.content_part.added", item_id=item_id, output_index=0,
                            content_index=0, part={**part_done, "text": ""}))
        for frag in pieces(text, k.chunk_chars):
            if frag:
                frames.append(event("response.output_text.delta", item_id=item_id,
                                    output_index=0, content_index=0, delta=frag, logprobs=[],
                                    **delta_extra()))
        frames.append(event("response.output_text.done", item_id=item_id, output_index=0,
                            content_index=0, text=text, logprobs=[]))
        frames.append(event("response.content_part.done", item_id=item_id, output_index=0,
                            content_index=0, part=part_done))
    frames.append(event("response.output_item.done", output_index=0, item=item_done))
    frames.append(event("response.completed", response=final))
    error = sse(dumps_compact({"type": "error", "sequence_number": len(frames),
                               "code": "server_error",
                               "message": f"Fake mid-stream error. Input was: {turn.text}",
                               "param": None}), event="error")
    return Reply(200, headers("text/event-stream; charset=utf-8"), frames=frames,
                 error_frame=error)


def models(call: Call) -> Reply:
    """``GET /v1/models``: a short model list (some clients probe it on start-up)."""
    names = ["gpt-4o-mini", "gpt-4.1", "gpt-5"]
    return _json(200, {"object": "list", "data": [
        {"id": n, "object": "model", "created": 1715367049, "owned_by": "system"}
        for n in names]})


def chatgpt_accounts(call: Call) -> Reply:
    """``GET chatgpt.com/backend-api/wham/accounts/check``: the signed-in ChatGPT workspace.

    Codex signed in with ChatGPT checks it before its first turn ("workspace routing").
    """
    account = {"id": "acct-fake-1", "name": None, "structure": "personal", "plan_type": "plus",
               "is_default": True, "workspace_backend_origin": "https://chatgpt.com",
               "account_routing_override": "NO_CONSTRAINT"}
    return _json(200, {"accounts": [account], "account_ordering": [account["id"]]})

"""Anthropic's Messages wire format, as api.anthropic.com sends it.

Streams carry an ``event:`` line per event, a ``ping`` after the first block starts,
``thinking_delta`` + one ``signature_delta`` for thinking blocks, an empty first
``input_json_delta`` for tool_use, and ``message_delta`` with stop_reason and usage.
Thinking signatures are HMACs (see ``wire.Signer``) so a changed thinking block is caught.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from .wire import Call, Reply, Turn, dumps_compact, new_id, pieces, sse

__all__ = ["count_tokens", "error_reply", "injected_error", "messages", "not_found"]

_ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
    403: "permission_error", 404: "not_found_error", 413: "request_too_large",
    429: "rate_limit_error", 500: "api_error", 504: "timeout_error", 529: "overloaded_error",
}
_ORG = str(uuid.UUID(int=0x5EED))


def _request_id() -> str:
    return new_id("req_011C", 20)


def headers(content_type: str, request_id: str) -> list[tuple[str, str]]:
    """Response headers shaped like Anthropic's (Google front end behind Cloudflare)."""
    return [
        ("content-type", content_type),
        ("request-id", request_id),
        ("anthropic-organization-id", _ORG),
        ("anthropic-ratelimit-requests-limit", "4000"),
        ("anthropic-ratelimit-requests-remaining", "3999"),
        ("anthropic-ratelimit-requests-reset", "2030-01-01T00:00:00Z"),
        ("via", "1.1 google"),
        ("cf-cache-status", "DYNAMIC"),
        ("x-robots-tag", "none"),
        ("server", "cloudflare"),
    ]


def _error_obj(type_: str, message: str, request_id: str) -> dict:
    return {"type": "error", "error": {"type": type_, "message": message},
            "request_id": request_id}


def error_reply(status: int, message: str, type_: str | None = None) -> Reply:
    """An error response exactly in Anthropic's shape."""
    rid = _request_id()
    type_ = type_ or _ERROR_TYPES.get(status, "api_error")
    body = dumps_compact(_error_obj(type_, message, rid)).encode()
    return Reply(status, headers("application/json", rid), body=body)


def not_found(method: str, path: str) -> Reply:
    """Anthropic's answer to an unknown route."""
    return error_reply(404, "Not Found", "not_found_error")


def injected_error(status: int, echo: str) -> Reply:
    """Error requested by ``x-fake-error``; the message echoes the input."""
    reply = error_reply(status, f"Fake upstream error {status}. Input was: {echo}")
    reply.headers.append(("x-should-retry", "false"))
    return reply


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict)
                   and b.get("type") == "text")


def messages_turn(data: dict) -> Turn:
    """Last user message: its text blocks plus tool_result contents."""
    turn = Turn()
    users = [m for m in data.get("messages") or [] if m.get("role") == "user"]
    if users:
        content = users[-1].get("content")
        if isinstance(content, str):
            turn.text = turn.user_text = content
        else:
            texts, user_texts = [], []
            for block in content or []:
                if block.get("type") == "text":
                    user_texts.append(block.get("text", ""))
                    texts.append(user_texts[-1])
                elif block.get("type") == "tool_result":
                    turn.has_tool_result = True
                    texts.append(_text_of(block.get("content")))
            turn.text, turn.user_text = "".join(texts), "".join(user_texts)
    for tool in data.get("tools") or []:
        if tool.get("name") and "input_schema" in tool:
            turn.tool_name = tool["name"]
            break
    return turn


def _check_signatures(call: Call) -> str | None:
    """Verify every thinking block sent back; return the real API's error text if one is bad."""
    bad: str | None = None
    for mi, msg in enumerate(call.data.get("messages") or []):
        content = msg.get("content")
        if msg.get("role") != "assistant" or not isinstance(content, list):
            continue
        for bi, block in enumerate(content):
            if isinstance(block, dict) and block.get("type") == "thinking":
                ok = call.signer.verify(str(block.get("thinking", "")),
                                        str(block.get("signature", "")))
                call.signature_checks.append(ok)
                if not ok and bad is None:
                    bad = f"messages.{mi}.content.{bi}: Invalid `signature` in `thinking` block"
    return bad


def _usage(prompt: int, output: int) -> dict:
    return {"input_tokens": prompt, "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens": output, "service_tier": "standard"}


def messages(call: Call) -> Reply:
    """``POST /v1/messages``: JSON or SSE with optional thinking block, text or tool_use."""
    data = call.data
    k = call.knobs
    bad = _check_signatures(call)
    if bad and k.reject_bad_signatures:
        return error_reply(400, bad, "invalid_request_error")
    turn = messages_turn(data)
    model = k.model(str(data.get("model", "")))
    text = k.reply_text if k.reply_text is not None else "Echo: " + turn.text
    call_args = turn.call_arguments(k)
    tool = call_args is not None
    thinking_cfg = data.get("thinking") or {}
    thinking = k.thinking or thinking_cfg.get("type") in ("enabled", "adaptive")
    think_text = f"Thinking about: {turn.text}"
    args = json.loads(call_args) if call_args is not None else {}
    blocks: list[dict[str, Any]] = []
    if thinking:
        blocks.append({"type": "thinking", "thinking": think_text,
                       "signature": call.signer.sign(think_text)})
    if tool:
        blocks.append({"type": "tool_use", "id": new_id("toolu_01", 22),
                       "name": turn.tool_name, "input": args})
    else:
        blocks.append({"type": "text", "text": text})
    out_text = call_args if call_args is not None else text
    prompt, completion = k.usage(call.body_len, out_text + (think_text if thinking else ""))
    stop_reason = "tool_use" if tool else "end_turn"
    mid, rid = new_id("msg_01", 22), _request_id()

    if not data.get("stream"):
        body = {"id": mid, "type": "message", "role": "assistant", "model": model,
                "content": blocks, "stop_reason": stop_reason, "stop_sequence": None,
                "usage": _usage(prompt, completion)}
        return Reply(200, headers("application/json", rid), body=dumps_compact(body).encode())

    def event(name: str, obj: dict) -> bytes:
        return sse(dumps_compact(obj), event=name)

    frames = [event("message_start", {"type": "message_start", "message": {
        "id": mid, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": _usage(prompt, 1)}})]
    for index, block in enumerate(blocks):
        kind = block["type"]
        if kind == "thinking":
            start: dict[str, Any] = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": f}
                      for f in pieces(block["thinking"], k.chunk_chars)]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        elif kind == "tool_use":
            start = {**block, "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": ""}]
            deltas += [{"type": "input_json_delta", "partial_json": f}
                       for f in pieces(out_text, k.chunk_chars)]
        else:
            start = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": f} for f in pieces(text, k.chunk_chars)]
        frames.append(event("content_block_start", {"type": "content_block_start",
                                                    "index": index, "content_block": start}))
        if index == 0:
            frames.append(sse('{"type": "ping"}', event="ping"))
        frames.extend(event("content_block_delta", {"type": "content_block_delta",
                                                    "index": index, "delta": d})
                      for d in deltas)
        frames.append(event("content_block_stop", {"type": "content_block_stop",
                                                   "index": index}))
    usage = _usage(prompt, completion)
    del usage["cache_creation"], usage["service_tier"]
    frames.append(event("message_delta", {"type": "message_delta", "delta": {
        "stop_reason": stop_reason, "stop_sequence": None}, "usage": usage}))
    frames.append(event("message_stop", {"type": "message_stop"}))
    error = event("error", _error_obj("overloaded_error",
                                      f"Fake mid-stream error. Input was: {turn.text}", rid))
    return Reply(200, headers("text/event-stream; charset=utf-8", rid), frames=frames,
                 error_frame=error)


def count_tokens(call: Call) -> Reply:
    """``POST /v1/messages/count_tokens``."""
    prompt, _ = call.knobs.usage(call.body_len, "")
    return Reply(200, headers("application/json", _request_id()),
                 body=dumps_compact({"input_tokens": prompt}).encode())

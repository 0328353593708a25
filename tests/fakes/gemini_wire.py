"""Gemini's generateContent wire format, as generativelanguage.googleapis.com sends it.

Non-streamed bodies are 2-space pretty JSON; ``:streamGenerateContent?alt=sse`` sends one
GenerateContentResponse per ``data:`` line framed with ``\\r\\n\\r\\n`` and Google's
``": "``-but-no-space-after-comma JSON; without ``alt=sse`` it streams one JSON array.
Function calls arrive whole (``args`` object), never as fragments.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .wire import Call, Reply, Turn, dumps_google, new_id, pieces, sse

__all__ = ["ROUTE", "error_reply", "generate", "injected_error", "not_found", "schema_instance"]

#: ``/v1beta/models/{model}:{method}`` (also v1 / v1alpha).
ROUTE = re.compile(r"^/(?:v1beta|v1|v1alpha)/models/(?P<model>[^/:]+):(?P<method>\w+)$")

_STATUS: dict[int, str] = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
    404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def headers(content_type: str) -> list[tuple[str, str]]:
    """Response headers shaped like Google's front end (note the three ``vary`` lines)."""
    return [
        ("content-type", content_type),
        ("vary", "Origin"),
        ("vary", "X-Origin"),
        ("vary", "Referer"),
        ("server", "scaffolding on HTTPServer2"),
        ("x-xss-protection", "0"),
        ("x-frame-options", "SAMEORIGIN"),
        ("x-content-type-options", "nosniff"),
        ("server-timing", "gfet4t7; dur=321"),
        ("alt-svc", 'h3=":443"; ma=2592000,h3-29=":443"; ma=2592000'),
    ]


def _pretty(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode()


def _error_obj(status: int, message: str) -> dict:
    return {"error": {"code": status, "message": message,
                      "status": _STATUS.get(status, "UNKNOWN")}}


def error_reply(status: int, message: str) -> Reply:
    """An error response exactly in Google's shape."""
    return Reply(status, headers("application/json; charset=UTF-8"),
                 body=_pretty(_error_obj(status, message)))


def not_found(method: str, path: str) -> Reply:
    """Google's answer to an unknown route or RPC method."""
    return error_reply(404, f"Method not found: {method} {path}")


def injected_error(status: int, echo: str) -> Reply:
    """Error requested by ``x-fake-error``; the message echoes the input."""
    return error_reply(status, f"Fake upstream error {status}. Input was: {echo}")


def generate_turn(data: dict) -> Turn:
    """Last ``user`` content: its text parts plus functionResponse payloads."""
    turn = Turn()
    users = [c for c in data.get("contents") or [] if c.get("role", "user") in ("user",
                                                                                "function")]
    if users:
        texts, user_texts = [], []
        for part in users[-1].get("parts") or []:
            if "text" in part:
                user_texts.append(part["text"])
                texts.append(part["text"])
            response = part.get("functionResponse") or part.get("function_response")
            if response:
                turn.has_tool_result = True
                texts.append(json.dumps(response.get("response"), ensure_ascii=False))
        turn.text, turn.user_text = "".join(texts), "".join(user_texts)
    for tool in data.get("tools") or []:
        decls = tool.get("functionDeclarations") or tool.get("function_declarations") or []
        if decls and decls[0].get("name"):
            turn.tool_name = decls[0]["name"]
            break
    return turn


def schema_instance(schema: dict, echo: str) -> Any:
    """A value matching a (JSON or OpenAPI-style) schema; strings carry ``echo``."""
    kind = str(schema.get("type", "object")).lower()
    if schema.get("enum"):
        return schema["enum"][0]
    if kind == "object":
        props = schema.get("properties") or {}
        return {name: schema_instance(sub, echo) for name, sub in props.items()
                if isinstance(sub, dict)}
    if kind == "array":
        item = schema.get("items")
        return [schema_instance(item, echo)] if isinstance(item, dict) else []
    if kind in ("integer", "number"):
        return int(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    return echo


def generate(call: Call, model: str, method: str) -> Reply:
    """``:generateContent``, ``:streamGenerateContent`` (SSE or JSON array), ``:countTokens``."""
    data = call.data or {}
    k = call.knobs
    if method == "countTokens":
        prompt, _ = k.usage(call.body_len, "")
        return Reply(200, headers("application/json; charset=UTF-8"),
                     body=_pretty({"totalTokens": prompt, "promptTokensDetails": [
                         {"modality": "TEXT", "tokenCount": prompt}]}))
    turn = generate_turn(data)
    served = k.model(model)
    text = k.reply_text if k.reply_text is not None else "Echo: " + turn.text
    config = data.get("generationConfig") or data.get("generation_config") or {}
    if config.get("responseMimeType", config.get("response_mime_type")) == "application/json":
        # JSON mode (Gemini CLI's routing call): an instance of the schema, echo in its strings.
        schema = next((config[k] for k in ("responseJsonSchema", "responseSchema",
                                           "response_json_schema", "response_schema")
                       if isinstance(config.get(k), dict)), {})
        text = json.dumps(schema_instance(schema, text), ensure_ascii=False)
    call_args = turn.call_arguments(k)
    tool = call_args is not None
    out_text = call_args if call_args is not None else text
    prompt, completion = k.usage(call.body_len, out_text)
    response_id = new_id("", 22, _B64URL)
    details = [{"modality": "TEXT", "tokenCount": prompt}]
    full_usage = {"promptTokenCount": prompt, "candidatesTokenCount": completion,
                  "totalTokenCount": prompt + completion, "promptTokensDetails": details}

    def chunk(parts: list[dict], last: bool) -> dict:
        cand: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
        if last:
            cand["finishReason"] = "STOP"
        cand["index"] = 0
        usage = full_usage if last else {"promptTokenCount": prompt,
                                         "totalTokenCount": prompt,
                                         "promptTokensDetails": details}
        return {"candidates": [cand], "usageMetadata": usage, "modelVersion": served,
                "responseId": response_id}

    if tool:
        call_part = {"functionCall": {"name": turn.tool_name, "args": json.loads(out_text)}}
        chunks = [chunk([call_part], True)]
    else:
        frags = pieces(text, k.chunk_chars)
        chunks = [chunk([{"text": f}], i == len(frags) - 1) for i, f in enumerate(frags)]

    if method == "generateContent":
        whole = chunk([call_part] if tool else [{"text": text}], True)
        return Reply(200, headers("application/json; charset=UTF-8"), body=_pretty(whole))
    if method != "streamGenerateContent":
        return not_found(call.method, call.path)
    error = _error_obj(503, f"Fake mid-stream error. Input was: {turn.text}")
    if (call.query.get("alt") or [""])[0] == "sse":
        frames = [sse(dumps_google(c), eol="\r\n") for c in chunks]
        return Reply(200, headers("text/event-stream"), frames=frames,
                     error_frame=sse(dumps_google(error), eol="\r\n"))
    frames = [(b"[" if i == 0 else b",\r\n") + _pretty(c).rstrip() for i, c in enumerate(chunks)]
    return Reply(200, headers("application/json; charset=UTF-8"), frames=frames,
                 error_frame=b",\r\n" + _pretty(error).rstrip(), trailer=b"]")

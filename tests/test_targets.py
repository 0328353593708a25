"""Which strings of each API's request body are scanned, and which never are."""

from __future__ import annotations

import json

import pytest

from redactproxy.protocols.targets import Target, field_name, is_signed_block, request_targets

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
       "awAAAABJRU5ErkJggg==")


def _paths(doc, api):
    return {field_name(t.path): t.is_json for t in request_targets(doc, api)}


OPENAI_CHAT = {
    "model": "gpt-x", "stream": True, "temperature": 0.2,
    "messages": [
        {"role": "system", "content": "system text"},
        {"role": "developer", "content": "developer text"},
        {"role": "user", "name": "Ada Example", "content": [
            {"type": "text", "text": "user text"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}",
                                                "detail": "low"}},
            {"type": "input_audio", "input_audio": {"data": PNG, "format": "wav"}},
        ]},
        {"role": "assistant", "content": "assistant text", "tool_calls": [
            {"id": "call_abc123", "type": "function",
             "function": {"name": "send_mail", "arguments": '{"to": "ada@example.org"}'}}]},
        {"role": "tool", "tool_call_id": "call_abc123", "content": "tool result text"},
    ],
    "tools": [{"type": "function", "function": {
        "name": "send_mail", "description": "tool description",
        "parameters": {"type": "object", "properties": {
            "to": {"type": "string", "description": "schema description"}}}}}],
}


def test_openai_chat():
    assert _paths(OPENAI_CHAT, "openai-chat") == {
        "messages[0].content": False,
        "messages[1].content": False,
        "messages[2].name": False,
        "messages[2].content[0].text": False,
        "messages[2].content[2].input_audio.format": False,  # an enum, harmless to scan
        "messages[3].content": False,
        "messages[3].tool_calls[0].function.arguments": True,
        "messages[4].content": False,
        "tools[0].function.description": False,
        "tools[0].function.parameters.properties.to.description": False,
    }


RESPONSES = {
    "model": "gpt-x", "instructions": "instructions text", "previous_response_id": "resp_1",
    "input": [
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "input text"},
            {"type": "input_image", "image_url": f"data:image/jpeg;base64,{PNG}"}]},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAAB..."},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "lookup",
         "arguments": '{"q": "ada@example.org"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": '{"phone": "555-0100"}'},
        {"type": "function_call_output", "call_id": "call_2", "output": "plain output"},
    ],
    "tools": [{"type": "function", "name": "lookup", "description": "tool description",
               "parameters": {"type": "object", "properties": {}}}],
}


def test_openai_responses():
    assert _paths(RESPONSES, "openai-responses") == {
        "instructions": False,
        "input[0].content[0].text": False,
        "input[2].arguments": True,
        "input[3].output": True,
        "input[4].output": False,
        "tools[0].description": False,
    }


ANTHROPIC = {
    "model": "claude-x", "max_tokens": 1024,
    "system": [{"type": "text", "text": "system block", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {"role": "user", "content": [
            {"type": "text", "text": "user text"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": PNG}}]},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "secret thought ada@example.org",
             "signature": "EqQBCkYIBxgCKkB"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy"},
            {"type": "text", "text": "assistant text"},
            {"type": "tool_use", "id": "toolu_01", "name": "send_mail",
             "input": {"to": "ada@example.org", "cc": ["bob@example.org"]}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01", "content": "result string"},
            {"type": "tool_result", "tool_use_id": "toolu_02",
             "content": [{"type": "text", "text": "result block"}]}]},
    ],
    "tools": [{"name": "send_mail", "description": "tool description",
               "input_schema": {"type": "object", "properties": {
                   "to": {"type": "string", "description": "schema description"}}}}],
}


def test_anthropic_messages():
    assert _paths(ANTHROPIC, "anthropic-messages") == {
        "system[0].text": False,
        "messages[0].content[0].text": False,
        "messages[1].content[2].text": False,
        "messages[1].content[3].input.to": False,
        "messages[1].content[3].input.cc[0]": False,
        "messages[2].content[0].content": False,
        "messages[2].content[1].content[0].text": False,
        "tools[0].description": False,
        "tools[0].input_schema.properties.to.description": False,
    }


def test_anthropic_system_string():
    assert _paths({"model": "c", "system": "sys text", "messages": []},
                  "anthropic-messages") == {"system": False}


def test_anthropic_plain_text_document_is_scanned():
    doc = {"model": "c", "messages": [{"role": "user", "content": [
        {"type": "document", "source": {"type": "text", "media_type": "text/plain",
                                        "data": "contract of ada@example.org"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                        "data": PNG}}]}]}
    assert _paths(doc, "anthropic-messages") == {"messages[0].content[0].source.data": False}


GEMINI = {
    "systemInstruction": {"parts": [{"text": "system text"}]},
    "contents": [
        {"role": "user", "parts": [
            {"text": "user text"},
            {"inlineData": {"mimeType": "image/png", "data": PNG}},
            {"fileData": {"mimeType": "application/pdf",
                          "fileUri": "https://generativelanguage.example.org/v1/files/f1"}}]},
        {"role": "model", "parts": [
            {"text": "model text", "thoughtSignature": "CiQBVKhc7"},
            {"functionCall": {"name": "send_mail", "args": {"to": "ada@example.org"}}}]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "send_mail", "response": {"status": "sent to x"}}}]},
    ],
    "tools": [{"functionDeclarations": [{"name": "send_mail", "description": "tool description",
                                         "parameters": {"type": "OBJECT"}}]}],
    "generationConfig": {"responseMimeType": "text/plain", "temperature": 0.1},
}


def test_gemini():
    assert _paths(GEMINI, "gemini") == {
        "systemInstruction.parts[0].text": False,
        "contents[0].parts[0].text": False,
        "contents[1].parts[0].text": False,
        "contents[1].parts[1].functionCall.args.to": False,
        "contents[2].parts[0].functionResponse.response.status": False,
        "tools[0].functionDeclarations[0].description": False,
    }


def test_generic_scans_every_string_but_binary():
    doc = {"model": "m", "id": "x", "type": "t", "name": "n",
           "input": ["a", f"data:image/png;base64,{PNG}"]}
    assert _paths(doc, "generic") == {"model": False, "id": False, "type": False, "name": False,
                                      "input[0]": False}


def test_string_body_and_empty_strings():
    assert request_targets('{"a": 1}', "generic") == [Target((), True)]
    assert request_targets("", "generic") == []
    assert request_targets({"messages": [{"role": "user", "content": ""}]}, "openai-chat") == []


@pytest.mark.parametrize("value, is_json", [
    ('{"a": 1}', True), ("  [1, 2] ", True), ("[1] see [2]", True), ("{not closed", False),
    ("plain", False),
])
def test_json_holding_strings(value, is_json):
    (t,) = request_targets({"messages": [{"role": "tool", "content": value}]}, "openai-chat")
    assert t.is_json is is_json


def test_targets_are_in_document_order():
    paths = [t.path for t in request_targets(OPENAI_CHAT, "openai-chat")]
    raw = json.dumps(OPENAI_CHAT)
    positions = [raw.index(json.dumps(_get(OPENAI_CHAT, p))) for p in paths]
    assert positions == sorted(positions)


def _get(doc, path):
    for part in path:
        doc = doc[part]
    return doc


def test_signed_blocks_and_field_names():
    assert is_signed_block({"type": "thinking"}) and is_signed_block({"type": "redacted_thinking"})
    assert not is_signed_block({"type": "text"}) and not is_signed_block("thinking")
    assert field_name(()) == "(body)"
    assert field_name(("messages", 2, "content", 0, "text")) == "messages[2].content[0].text"
    assert field_name((0, "a")) == "[0].a"

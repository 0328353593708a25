"""Answers the proxy restored skip NER when they come back in history (``answer_hashes``).

The real proxy, the Anthropic and OpenAI SDKs, the fake upstream: turn 1's streamed answer
is restored; turn 2 sends it back as the assistant turn. It must reach the upstream exactly
as the provider wrote it (same placeholders), without NER running on it (the log line's
``ner_chars``), while text a client wrote into an assistant turn itself is analysed.
"""

from __future__ import annotations

import itertools
import re
import time

from tests.e2e.values import EMAIL, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

CLAUDE = "claude-sonnet-4-5"
_SEQ = itertools.count(1)


def _model(base: str) -> str:
    """A model name no other request uses, so its record line is found by it (lines of
    earlier requests on the shared proxy may still be printed after their answers)."""
    return f"{base}-t{next(_SEQ)}"


def _log_for(proxy: ProxyProcess, model: str) -> dict[str, str]:
    """Fields of the record line of the request that asked for ``model`` (waits for it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for ln in list(proxy.lines):
            if f" model={model} " in ln and " ner_chars=" in ln:
                return dict(re.findall(r"(\w+)=(\S+)", ln))
        time.sleep(0.05)
    raise AssertionError(f"no record line for model {model}:\n{proxy.output()}")


def test_restored_answer_skips_ner_when_sent_back(proxy: ProxyProcess,
                                                  upstream: FakeUpstream) -> None:
    client = proxy.anthropic()
    first = f"Please write to {EMAIL} about the invoice from Margaret Hamilton in Paris."
    with client.messages.stream(model=CLAUDE, max_tokens=100,
                                messages=[{"role": "user", "content": first}]) as stream:
        answer = "".join(stream.text_stream)
    assert EMAIL in answer  # restored for the client
    sent_answer = "Echo: " + upstream.last().json()["messages"][0]["content"]
    assert "<EMAIL_ADDRESS_" in sent_answer

    follow = "Thanks. Shorter please."
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": [{"type": "text", "text": answer}]},
               {"role": "user", "content": follow}]
    second = _model(CLAUDE)
    with client.messages.stream(model=second, max_tokens=100, messages=history) as stream:
        "".join(stream.text_stream)
    body = upstream.last().json()
    assert_absent(upstream.last().body, (EMAIL,))
    # The provider gets its own answer back byte for byte: the same placeholders.
    assert body["messages"][1]["content"][0]["text"] == sent_answer
    log = _log_for(proxy, second)
    assert int(log["ner_chars"]) == len(follow)  # turn 1 cached, the answer echoed
    assert int(log["text_chars"]) >= len(first) + len(answer) + len(follow)

    # The same history with the assistant turn edited by the client: analysed again.
    edited = answer.replace("Echo:", "Echo (edited):")
    history[1] = {"role": "assistant", "content": [{"type": "text", "text": edited}]}
    third = _model(CLAUDE)
    with client.messages.stream(model=third, max_tokens=100, messages=history) as stream:
        "".join(stream.text_stream)
    assert_absent(upstream.last().body, (EMAIL,))
    log = _log_for(proxy, third)
    assert int(log["ner_chars"]) == len(edited)


def test_prefill_is_analysed(proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    """An assistant turn the client wrote (prefill) was never restored: NER runs on it."""
    client = proxy.anthropic()
    prefill = f"Sure, I will mail {EMAIL} and tell Grace Hopper"
    client.messages.create(model=(model := _model(CLAUDE)), max_tokens=100, messages=[
        {"role": "user", "content": "Draft the note."},
        {"role": "assistant", "content": prefill}])
    assert_absent(upstream.last().body, (EMAIL,))
    log = _log_for(proxy, model)
    assert int(log["ner_chars"]) >= len(prefill)


def test_whole_openai_answer_skips_ner_when_sent_back(proxy: ProxyProcess,
                                                      upstream: FakeUpstream) -> None:
    client = proxy.openai()
    first = f"Summarise the mail from {EMAIL} for the Oslo office, in one line."
    done = client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": first}])
    answer = done.choices[0].message.content
    assert EMAIL in answer
    sent_answer = "Echo: " + upstream.last().json()["messages"][0]["content"]
    client.chat.completions.create(model=(model := _model("gpt-4o")), messages=[
        {"role": "user", "content": first}, {"role": "assistant", "content": answer},
        {"role": "user", "content": "ok"}])
    assert upstream.last().json()["messages"][1]["content"] == sent_answer
    assert int(_log_for(proxy, model)["ner_chars"]) == len("ok")

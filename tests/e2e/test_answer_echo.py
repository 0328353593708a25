"""Answers the proxy restored skip NER when they come back in history (``answer_hashes``).

The real proxy, the Anthropic and OpenAI SDKs, the fake upstream: turn 1's streamed answer
is restored; turn 2 sends it back as the assistant turn. It must reach the upstream exactly
as the provider wrote it (same placeholders), without NER running on it (the log line's
``ner_chars``), while text a client wrote into an assistant turn itself is analysed.
"""

from __future__ import annotations

import re
import time

from tests.e2e.values import EMAIL, assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

CLAUDE = "claude-sonnet-4-5"


def _last_log(proxy: ProxyProcess, count: int) -> dict[str, str]:
    """Fields of the ``count``-th log line that reports scanned text (waits for it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = [ln for ln in proxy.lines if " ner_chars=" in ln]
        if len(lines) >= count:
            return dict(re.findall(r"(\w+)=(\S+)", lines[count - 1]))
        time.sleep(0.05)
    raise AssertionError(f"no log line #{count} with ner_chars:\n{proxy.output()}")


def _logged(proxy: ProxyProcess) -> int:
    return sum(1 for ln in proxy.lines if " ner_chars=" in ln)


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
    n = _logged(proxy)

    follow = "Thanks. Shorter please."
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": [{"type": "text", "text": answer}]},
               {"role": "user", "content": follow}]
    with client.messages.stream(model=CLAUDE, max_tokens=100, messages=history) as stream:
        "".join(stream.text_stream)
    body = upstream.last().json()
    assert_absent(upstream.last().body, (EMAIL,))
    # The provider gets its own answer back byte for byte: the same placeholders.
    assert body["messages"][1]["content"][0]["text"] == sent_answer
    log = _last_log(proxy, n + 1)
    assert int(log["ner_chars"]) == len(follow)  # turn 1 cached, the answer echoed
    assert int(log["text_chars"]) >= len(first) + len(answer) + len(follow)

    # The same history with the assistant turn edited by the client: analysed again.
    edited = answer.replace("Echo:", "Echo (edited):")
    history[1] = {"role": "assistant", "content": [{"type": "text", "text": edited}]}
    with client.messages.stream(model=CLAUDE, max_tokens=100, messages=history) as stream:
        "".join(stream.text_stream)
    assert_absent(upstream.last().body, (EMAIL,))
    log = _last_log(proxy, n + 2)
    assert int(log["ner_chars"]) == len(edited)


def test_prefill_is_analysed(proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    """An assistant turn the client wrote (prefill) was never restored: NER runs on it."""
    client = proxy.anthropic()
    n = _logged(proxy)
    prefill = f"Sure, I will mail {EMAIL} and tell Grace Hopper"
    client.messages.create(model=CLAUDE, max_tokens=100, messages=[
        {"role": "user", "content": "Draft the note."},
        {"role": "assistant", "content": prefill}])
    assert_absent(upstream.last().body, (EMAIL,))
    log = _last_log(proxy, n + 1)
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
    n = _logged(proxy)
    client.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": first}, {"role": "assistant", "content": answer},
        {"role": "user", "content": "ok"}])
    assert upstream.last().json()["messages"][1]["content"] == sent_answer
    assert int(_last_log(proxy, n + 1)["ner_chars"]) == len("ok")

"""Presidio's recognizers on the wire: national identifiers leave as placeholders, come back."""

from __future__ import annotations

from tests.e2e.values import assert_absent
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

NHS = "999 000 0018"  # NHS test range, passes the mod-11 check
NIF = "12345678Z"
WALLET = "16L5yRNPTuciSgXGHqYwn9N6NeoKqopAu"  # base58check of made-up bytes 1..20


def test_national_ids_redacted_and_restored(proxy: ProxyProcess, upstream: FakeUpstream) -> None:
    prompt = (f"Patient NHS number {NHS}; her DNI {NIF}. Refund to wallet {WALLET}. "
              "Ticket 9990000018 is an id, not a number of hers.")
    r = proxy.openai().chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": prompt}])
    sent = upstream.last()
    assert_absent(sent.body, (NHS, NIF, WALLET))
    content = sent.json()["messages"][0]["content"]
    assert "<UK_NHS_1>" in content and "<ES_NIF_1>" in content
    assert "<CRYPTO_WALLET_1>" in content
    assert "Ticket 9990000018 is an id" in content  # a bare number without context stays
    assert (r.choices[0].message.content or "").endswith(prompt)

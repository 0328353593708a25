"""``--resolve HOST:PORT=ADDR:PORT`` parsing."""

from __future__ import annotations

import pytest

from redactproxy.resolve import parse_resolve


@pytest.mark.parametrize("spec, expected", [
    ("api.openai.com:443=127.0.0.1:8443", (("api.openai.com", 443), ("127.0.0.1", 8443))),
    ("API.Example.ORG:443=localhost:1", (("api.example.org", 443), ("localhost", 1))),
    ("api.example.org:443=[::1]:65535", (("api.example.org", 443), ("::1", 65535))),
    (" api.example.org:443 = 10.0.0.1:80 ", (("api.example.org", 443), ("10.0.0.1", 80))),
])
def test_valid(spec, expected):
    assert parse_resolve(spec) == expected


@pytest.mark.parametrize("spec, message", [
    ("api.example.org:443", "expected HOST:PORT=ADDR:PORT"),
    ("api.example.org=127.0.0.1:80", "the left side must be HOST:PORT"),
    (":443=127.0.0.1:80", "the left side must be HOST:PORT"),
    ("api.example.org:0=127.0.0.1:80", "the left side must be HOST:PORT"),
    ("api.example.org:443=127.0.0.1:65536", "the right side must be HOST:PORT"),
    ("api.example.org:443=127.0.0.1:", "the right side must be HOST:PORT"),
    ("api.example.org:443=127.0.0.1:-1", "the right side must be HOST:PORT"),
    ("api.example.org:443=127.0.0.1:http", "the right side must be HOST:PORT"),
])
def test_invalid_names_spec_and_side(spec, message):
    with pytest.raises(ValueError) as e:
        parse_resolve(spec)
    assert str(e.value) == f"invalid --resolve {spec!r}: {message}"

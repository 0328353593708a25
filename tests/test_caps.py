"""Caps of the in-memory tables: defaults, the environment override, bad values named."""

from __future__ import annotations

import pytest

from redactproxy.caps import CAPS_ENV, Caps, caps_from_env, parse_caps
from redactproxy.detect.base import Finding
from redactproxy.detect.worker import FindingsCache


def test_defaults_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CAPS_ENV, raising=False)
    assert caps_from_env() == Caps()
    monkeypatch.setenv(CAPS_ENV, "vault=2000, findings=1MB,answers=30,records=500")
    assert caps_from_env() == Caps(vault=2000, findings=2**20, answers=30, records=500)
    assert parse_caps("findings=64kb").findings == 65536
    assert parse_caps("") == Caps()


@pytest.mark.parametrize(("text", "message"), [
    ("vault", "unknown item 'vault'"),
    ("cache=3", "unknown item 'cache=3'"),
    ("vault=lots", "vault needs a whole number, not 'lots'"),
    ("vault=2MB", "vault needs a whole number, not '2MB'"),
    ("records=0", "records must be at least 1, not '0'"),
])
def test_bad_values_are_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{CAPS_ENV}: ") as e:
        parse_caps(text)
    assert message in str(e.value)


def test_findings_cache_is_bounded_by_its_estimated_size() -> None:
    two = [Finding(0, 3, "EMAIL_ADDRESS", "pii.email"), Finding(5, 9, "PHONE_NUMBER", "pii.x")]
    per = FindingsCache.ENTRY_BYTES + 2 * FindingsCache.FINDING_BYTES
    cache = FindingsCache(max_bytes=10 * per)
    for i in range(50):  # short texts: the entry, not the text, is what memory holds
        cache.put("spec", f"t{i}", two)
        assert cache.size <= 10 * per
    assert len(cache) == 10 and cache.size == 10 * per
    assert cache.get("spec", "t49") == two and cache.get("spec", "t0") is None


def test_start_refuses_a_bad_override(tmp_path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "REDACTPROXY_HOME": str(tmp_path), CAPS_ENV: "vault=many"}
    r = subprocess.run([sys.executable, "-m", "redactproxy", "start", "--no-ui"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip() == (f"redactproxy: {CAPS_ENV}: vault needs a whole number, "
                                "not 'many' (environment)")

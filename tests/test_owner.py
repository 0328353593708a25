"""Parsing the proxy password and the per-install secret file."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from redactproxy.home import proxy_secret
from redactproxy.proxy.owner import proxy_password


def _basic(userinfo: str) -> str:
    return "Basic " + base64.b64encode(userinfo.encode()).decode()


def test_proxy_password() -> None:
    assert proxy_password(_basic("proj-1a2b3c:s3cret")) == "s3cret"
    assert proxy_password(_basic(":s3cret")) == "s3cret"
    assert proxy_password(_basic("a:b:c")) == "b:c"
    assert proxy_password(_basic("no-colon")) is None
    assert proxy_password("Bearer abc") is None
    assert proxy_password("Basic !!!") is None
    assert proxy_password("") is None


def test_proxy_secret_is_made_once_and_private(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDACTPROXY_HOME", str(tmp_path))
    first = proxy_secret()
    assert len(first) >= 32 and "." not in first
    assert proxy_secret() == first
    assert (tmp_path / "proxy-secret").stat().st_mode & 0o777 == 0o600
    (tmp_path / "proxy-secret").write_text("short\n")
    with pytest.raises(Exception, match="too short; delete the file"):
        proxy_secret()

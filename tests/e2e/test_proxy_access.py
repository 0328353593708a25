"""The proxy answers only its user: the per-install secret, through the real proxy and curl.

(e) a second Unix user, created here with ``useradd``, reaches the loopback port but cannot
read the 0600 secret, so it is refused; handed the secret, it is served.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.e2e.values import EMAIL
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess

CHAT = "https://api.openai.com/v1/chat/completions"
BODY = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": f"hi {EMAIL}"}]})


def _curl(proxy_url: str, trust: Path, url: str = CHAT, *, user: str | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = ["curl", "-sS", "--max-time", "30", "-w", "\n%{http_code}", "--proxy", proxy_url,
           "--cacert", str(trust), "-H", "authorization: Bearer sk-test-fake"]
    if url == CHAT:
        cmd += ["-H", "content-type: application/json", "-d", BODY]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd or "/")}
    return subprocess.run([*cmd, url], capture_output=True, text=True, timeout=60, user=user,
                          cwd=cwd, env=env)


pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")


def test_clients_without_the_secret_get_407(proxy: ProxyProcess, tmp_path: Path) -> None:
    secret_file = proxy.home / "proxy-secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    pid = proxy.env(tmp_path)["REDACTPROXY_PROJECT"]
    for url in (proxy.anonymous_url, f"http://{pid}:x@127.0.0.1:{proxy.port}",
                f"http://{pid}:{proxy.secret[:-1]}@127.0.0.1:{proxy.port}"):
        r = _curl(url, proxy.trust)  # CONNECT refused
        assert "407" in r.stderr, r.stderr
        r = _curl(url, proxy.trust, "http://www.example.org/")  # plain proxy request
        body, _, status = r.stdout.rpartition("\n")
        assert status == "407"
        assert 'eval "$(redactproxy env)"' in body
    r = _curl(proxy.env(tmp_path)["HTTPS_PROXY"], proxy.trust)
    body, _, status = r.stdout.rpartition("\n")
    assert status == "200", r.stdout + r.stderr
    assert json.loads(body)["choices"][0]["message"]["content"] == f"Echo: hi {EMAIL}"


def test_env_puts_the_secret_in_the_proxy_url(proxy: ProxyProcess, tmp_path: Path) -> None:
    env = proxy.env(tmp_path)
    # The password: `run`'s inspect choice (x: the rule files decide), a dot, the secret.
    assert env["HTTPS_PROXY"] == (f"http://{env['REDACTPROXY_PROJECT']}:x.{proxy.secret}"
                                  f"@127.0.0.1:{proxy.port}")


def test_gateway_needs_the_token_header(proxy_factory: object, upstream: FakeUpstream) -> None:
    import httpx2

    pp = proxy_factory(args=["--no-forward", "--upstream", "https://api.anthropic.com"])  # type: ignore[operator]
    body = {"model": "claude-sonnet-4-5", "max_tokens": 50,
            "messages": [{"role": "user", "content": f"gw {EMAIL}"}]}
    with httpx2.Client(trust_env=False, timeout=30) as c:
        url = f"http://127.0.0.1:{pp.port}/v1/messages"
        sent = len(upstream.requests)
        r = c.post(url, json=body, headers={"x-api-key": "sk-ant-test"})
        assert r.status_code == 401
        err = r.json()
        assert err["type"] == "error" and err["error"]["type"] == "authentication_error"
        assert "X-Redactproxy-Token" in err["error"]["message"]
        assert len(upstream.requests) == sent
        r = c.post(url, json=body, headers={"x-api-key": "sk-ant-test",
                                            "x-redactproxy-token": pp.secret})
        assert r.status_code == 200, r.text
        assert "x-redactproxy-token" not in upstream.last().headers


def test_allow_anonymous_keeps_the_old_behaviour(proxy_factory: object) -> None:
    pp = proxy_factory(args=["--allow-anonymous"])  # type: ignore[operator]
    r = _curl(pp.anonymous_url, pp.trust)
    body, _, status = r.stdout.rpartition("\n")
    assert status == "200", r.stdout + r.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0
                    or shutil.which("useradd") is None,
                    reason="creating a second Unix user needs root and useradd")
def test_another_unix_user_cannot_use_the_proxy_without_the_secret(
        proxy_factory: object) -> None:
    # A home the other user may look into: only the secret file's own 0600 protects it.
    shared = Path(tempfile.mkdtemp(prefix="rp-guest-"))
    shared.chmod(0o755)
    home = shared / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    proxy = proxy_factory(home=home)  # type: ignore[operator]
    name = f"rpguest{os.getpid() % 100000}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                   check=True, capture_output=True)
    try:
        assert (home / "proxy-secret").stat().st_mode & 0o777 == 0o600
        trust = shared / "trust.pem"
        shutil.copy(proxy.trust, trust)
        trust.chmod(0o644)
        # The other user can reach the port, but not the secret.
        r = subprocess.run(["cat", str(proxy.home / "proxy-secret")], capture_output=True,
                           text=True, user=name, cwd=shared, timeout=30)
        assert r.returncode != 0 and "Permission denied" in r.stderr and not r.stdout
        r = _curl(proxy.anonymous_url, trust, user=name, cwd=shared)
        assert "407" in r.stderr, r.stdout + r.stderr
        # Handed the secret (as `redactproxy env` prints it for the owner), it is served.
        r = _curl(proxy.url, trust, user=name, cwd=shared)
        body, _, status = r.stdout.rpartition("\n")
        assert status == "200", r.stdout + r.stderr
        assert json.loads(body)["choices"][0]["message"]["content"] == f"Echo: hi {EMAIL}"
    finally:
        subprocess.run(["userdel", name], capture_output=True)
        shutil.rmtree(shared, ignore_errors=True)

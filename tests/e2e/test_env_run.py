"""`redactproxy env` / `run`, per-project rule files on one proxy, and plain `mitmdump -s`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.e2e.values import EMAIL, assert_absent
from tests.fakes.certs import DEFAULT_HOSTS, TestCA
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess, free_port

CLIENT = textwrap.dedent('''
    import json, os, sys, openai
    # Only the environment tells the SDK about the proxy and the CA bundle.
    client = openai.OpenAI(api_key="sk-test-fake", max_retries=0)
    r = client.chat.completions.create(model="gpt-4o",
        messages=[{"role": "user", "content": sys.argv[1]}])
    print(json.dumps({"content": r.choices[0].message.content}))
    sys.exit(int(sys.argv[2]))
''')


def _run(pp: ProxyProcess, project: Path, text: str, code: int = 0,
         ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDACTPROXY_HOME": str(pp.home)}
    return subprocess.run(
        [sys.executable, "-m", "redactproxy", "run", "--port", str(pp.port), "--project",
         str(project), "--", sys.executable, "-c", CLIENT, text, str(code)],
        capture_output=True, text=True, env=env, timeout=60)


def test_env_prints_every_variable(proxy: ProxyProcess, tmp_path: Path) -> None:
    env = {**os.environ, "REDACTPROXY_HOME": str(proxy.home)}
    for shell, marker in (("sh", "export HTTPS_PROXY="), ("fish", "set -gx HTTPS_PROXY "),
                          ("powershell", "$env:HTTPS_PROXY = ")):
        out = subprocess.run([sys.executable, "-m", "redactproxy", "env", "--shell", shell,
                              "--port", str(proxy.port), "--project", str(tmp_path)],
                             capture_output=True, text=True, env=env, check=True).stdout
        assert marker in out
        for var in ("HTTP_PROXY", "https_proxy", "NO_PROXY", "SSL_CERT_FILE",
                    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
            assert var in out
    bundle = (proxy.home / "ca-bundle.pem").read_text()
    assert proxy.ca.read_text().strip() in bundle
    assert bundle.count("BEGIN CERTIFICATE") > 10  # system roots are kept


def test_run_uses_project_rules_and_exit_code(proxy: ProxyProcess, upstream: FakeUpstream,
                                              tmp_path: Path) -> None:
    # The child learns the proxy and its CA only from the environment `run` builds. Two
    # projects share one proxy, each with its own deny terms (proxy user name = project id).
    alpha, beta = tmp_path / "alpha", tmp_path / "beta"
    alpha.mkdir()
    beta.mkdir()
    (alpha / ".redactproxy.toml").write_text('[terms]\ndeny = ["Project Falcon"]\n')
    (beta / ".redactproxy.toml").write_text('[terms]\ndeny = ["Nimbus"]\n')
    text = f"Project Falcon and Nimbus, mail {EMAIL}"
    r = _run(proxy, alpha, text, code=3)
    assert r.returncode == 3, r.stderr
    sent = upstream.last()
    assert "Project Falcon" not in sent.body.decode() and "Nimbus" in sent.body.decode()
    assert_absent(sent.body, (EMAIL,))
    assert json.loads(r.stdout)["content"] == f"Echo: {text}"
    r = _run(proxy, beta, text)
    assert r.returncode == 0, r.stderr
    body = upstream.last().body.decode()
    assert "Nimbus" not in body and "Project Falcon" in body


def test_rule_file_edit_applies_without_restart(proxy_factory, upstream: FakeUpstream,
                                                tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    pp = proxy_factory(project=project)
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "the bluefinch build"}]}
    with pp.client() as c:
        c.post("https://api.openai.com/v1/chat/completions", json=chat)
        assert "bluefinch" in upstream.last().body.decode()
        (project / ".redactproxy.toml").write_text('[terms]\ndeny = ["BlueFinch"]\n')
        os.utime(project / ".redactproxy.toml", (1, 2_000_000_000))
        c.post("https://api.openai.com/v1/chat/completions", json=chat)
        assert "bluefinch" not in upstream.last().body.decode()
        (project / ".redactproxy.toml").write_text('[terms]\ndeny = "bluefinch"\n')
        os.utime(project / ".redactproxy.toml", (1, 2_000_000_100))
        r = c.post("https://api.openai.com/v1/chat/completions", json=chat)
        assert r.status_code == 500
        msg = r.json()["error"]["message"]
        assert ".redactproxy.toml:2: terms.deny" in msg


def test_broken_rule_file_stops_startup(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".redactproxy.toml").write_text(
        '[proxy]\nhosts = ["relay.example.test"]\n\n[[rules]]\nid = "x"\nentity = "X"\n'
        'pattern = "("\n')
    r = subprocess.run([sys.executable, "-m", "redactproxy", "start", "--no-ui",
                        "--listen-port", str(free_port()), "--project", str(project)],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "REDACTPROXY_HOME": str(tmp_path / "h")})
    assert r.returncode == 1
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith("redactproxy: ")
    assert f"{project / '.redactproxy.toml'}:4: rule 'x': pattern: invalid regex" in line


def test_plain_mitmdump_addon(upstream: FakeUpstream, test_ca: TestCA, secret_service: object,
                              tmp_path: Path) -> None:
    port = free_port()
    mitmdump = Path(sys.executable).parent / "mitmdump"
    root = Path(__file__).resolve().parents[2]
    cmd = [str(mitmdump), "-q", "-s", str(root / "addons" / "redactproxy_addon.py"),
           "--listen-host", "127.0.0.1", "--listen-port", str(port),
           "--set", f"confdir={tmp_path / 'conf'}", "--set", f"redact_project={tmp_path}",
           "--set", "redact_nlp=false",
           "--set", f"ssl_verify_upstream_trusted_ca={test_ca.cert_path}"]
    for host in DEFAULT_HOSTS[:3]:
        cmd += ["--set", f"redact_resolve={host}:443=127.0.0.1:{upstream.port}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "REDACTPROXY_HOME": str(tmp_path / "home")})
    try:
        import ssl
        import time

        import httpx2

        ca = tmp_path / "conf" / "mitmproxy-ca-cert.pem"
        deadline = time.monotonic() + 30
        while not ca.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        trust = tmp_path / "trust.pem"
        trust.write_text(ca.read_text())
        ctx = ssl.create_default_context(cafile=str(trust))
        r = None
        while time.monotonic() < deadline:
            try:
                secret = (tmp_path / "home" / "proxy-secret").read_text().strip()
                with httpx2.Client(proxy=f"http://:{secret}@127.0.0.1:{port}", verify=ctx,
                                   trust_env=False, timeout=30) as c:
                    r = c.post("https://api.openai.com/v1/chat/completions", json={
                        "model": "gpt-4o", "messages": [{"role": "user",
                                                         "content": f"hi {EMAIL}"}]})
                break
            except (httpx2.ConnectError, FileNotFoundError):
                time.sleep(0.2)
        assert r is not None and r.status_code == 200
        assert r.json()["choices"][0]["message"]["content"] == f"Echo: hi {EMAIL}"
        assert_absent(upstream.last().body, (EMAIL,))
    finally:
        proc.terminate()
        proc.wait(10)


def test_run_without_a_proxy_says_so(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "redactproxy", "run", "--port", str(free_port()),
                        "--", "true"], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "REDACTPROXY_HOME": str(tmp_path)})
    assert r.returncode == 1
    assert r.stderr.startswith("redactproxy: run: no proxy is listening on 127.0.0.1:")

"""The compose topology without containers: real nginx with ``deploy/nginx.conf`` in front of
two real gateway replicas (TLS, developer tokens) on one real PostgreSQL.

The balancer file is the committed one; only the service names become loopback ports (no
container network here) and nginx gets the few lines a throw-away, unprivileged run needs.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest

from tests.e2e.test_team_gateway import GATEWAY, VAULT_KEY, _cli
from tests.e2e.values import EMAIL, EMAIL2, GITHUB, assert_absent
from tests.fakes.certs import TestCA
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import ProxyProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")
KEYS = {"a": "sk-team-fake-key-000a", "b": "sk-team-fake-key-000b"}


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None or not STREAM_MODULE.exists():
        if os.environ.get("CI"):
            pytest.fail("nginx missing in CI (.ci/run installs nginx libnginx-mod-stream)")
        pytest.skip("nginx with the stream module is not installed")
    return found


def render(conf: str, a: int, b: int, listen: int, root: Path) -> str:
    """``deploy/nginx.conf`` with the replicas and the listener on loopback ports."""
    for old in ("server gateway-a:8443 ", "server gateway-b:8443 ", "listen 8443;"):
        assert conf.count(old) == 1, f"deploy/nginx.conf no longer has {old!r}"
    body = (conf.replace("server gateway-a:8443 ", f"server 127.0.0.1:{a} ")
            .replace("server gateway-b:8443 ", f"server 127.0.0.1:{b} ")
            .replace("listen 8443;", f"listen 127.0.0.1:{listen};"))
    # Debian builds the stream module as a dynamic one; the nginx image has it built in.
    return (f"load_module {STREAM_MODULE};\npid {root}/nginx.pid;\n"
            f"error_log {root}/error.log info;\ndaemon off;\n{body}")


@pytest.fixture
def balancer(tmp_path: Path) -> Iterator[Callable[[int, int], int]]:
    nginx = _nginx()
    procs: list[subprocess.Popen[bytes]] = []

    def start(a: int, b: int) -> int:
        root = tmp_path / "nginx"
        root.mkdir()
        listen = free_port()
        conf = root / "nginx.conf"
        conf.write_text(render((ROOT / "deploy" / "nginx.conf").read_text(), a, b, listen, root))
        check = subprocess.run([nginx, "-t", "-p", str(root), "-c", str(conf), "-e",
                                str(root / "error.log")], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        proc = subprocess.Popen([nginx, "-p", str(root), "-c", str(conf), "-e",
                                 str(root / "error.log")], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(proc)
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", listen), timeout=1):
                    return listen
            except OSError:
                assert proc.poll() is None, (root / "error.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.1)

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def _replica(proxy_factory, pg_url: str, name: str, cert: Path, key: Path,
             project: Path) -> ProxyProcess:
    env = {"REDACTPROXY_VAULT_KEY": VAULT_KEY, "REDACTPROXY_TEAM_KEY": KEYS[name],
           "REDACTPROXY_STORE": pg_url}
    return proxy_factory(args=[*GATEWAY, "--require-tokens", "--tls-cert", str(cert),
                               "--tls-key", str(key)], env=env, project=project)


def test_conversation_through_the_balancer_survives_a_replica(
        proxy_factory, upstream: FakeUpstream, test_ca: TestCA, pg_url: str,
        balancer, tmp_path: Path) -> None:
    import openai

    token = _cli("tokens", "create", "ada", url=pg_url, home=tmp_path).stdout.strip()
    assert token.startswith("rpt_")
    cert, key = test_ca.issue(["localhost", "127.0.0.1"], tmp_path / "gw")
    project = tmp_path / "project"
    project.mkdir()
    a = _replica(proxy_factory, pg_url, "a", cert, key, project)
    b = _replica(proxy_factory, pg_url, "b", cert, key, project)
    port = balancer(a.port, b.port)
    # TLS passes through: the client verifies the replicas' certificate via the balancer.
    ctx = ssl.create_default_context(cafile=str(test_ca.cert_path))
    # One connection per request, as separate developers' tools would open them: nginx
    # balances connections, so successive turns of the conversation alternate replicas.
    client = openai.OpenAI(api_key=token, base_url=f"https://127.0.0.1:{port}/v1",
                           max_retries=0, http_client=httpx2.Client(
                               trust_env=False, verify=ctx,
                               limits=httpx2.Limits(max_keepalive_connections=0)))
    values = (EMAIL, EMAIL2, GITHUB)
    history: list[dict[str, str]] = []
    served: list[str] = []
    first_sent: str | None = None

    def turn(i: int) -> None:
        nonlocal first_sent
        text = f"turn {i}: mail {values[i % 3]} and {values[(i + 1) % 3]}"
        history.append({"role": "user", "content": text})
        r = client.chat.completions.create(model="gpt-4o", messages=history)
        assert r.choices[0].message.content == f"Echo: {text}"  # restored
        history.append({"role": "assistant", "content": r.choices[0].message.content})
        sent = upstream.last()
        assert_absent(sent.body, values)
        auth = sent.headers["authorization"]
        served.append(next(n for n, k in KEYS.items() if auth == f"Bearer {k}"))
        first = sent.json()["messages"][0]["content"]
        assert "<EMAIL_ADDRESS_" in first
        if first_sent is None:
            first_sent = first
        assert first == first_sent  # same placeholders whichever replica sent it

    for i in range(6):
        turn(i)
    assert set(served) == {"a", "b"}, served  # both replicas served the one conversation
    a.stop()
    for i in range(6, 10):
        turn(i)  # nginx skips the replica that is gone: no request fails
    assert served[6:] == ["b"] * 4
    b.stop()
    verify = _cli("report", "verify", "--store", pg_url, url=pg_url, home=tmp_path)
    assert verify.returncode == 0 and "chain intact" in verify.stdout, verify.stderr
    rep = _cli("report", "--format", "json", url=pg_url, home=tmp_path)
    data = json.loads(rep.stdout)
    assert data["by_developer"]["ada"]["requests"] == 10
    assert data["verdicts"] == {"passed": 10}

"""Pytest plugin: start the real ``redactproxy start`` as a subprocess, wired to the fake upstream.

Every AI host the tests use is routed to the fake upstream with ``--resolve`` (Host and SNI
kept) and its test CA is trusted with ``--upstream-ca``: real TLS on both sides, nothing
outside 127.0.0.1.
"""

from __future__ import annotations

import os
import shlex
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest

from tests.fakes.certs import DEFAULT_HOSTS, TestCA
from tests.fakes.upstream import FakeUpstream

__all__ = ["ProxyProcess", "free_port", "start_proxy"]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ProxyProcess:
    """A running proxy subprocess."""

    proc: subprocess.Popen[str]
    port: int
    home: Path
    project: Path
    trust: Path
    lines: list[str] = field(default_factory=list)
    gateway_port: int | None = None

    @property
    def secret(self) -> str:
        """The per-install secret clients must show (``$REDACTPROXY_HOME/proxy-secret``)."""
        return (self.home / "proxy-secret").read_text().strip()

    @property
    def url(self) -> str:
        """Proxy URL for clients (``HTTPS_PROXY``): the default project, with the secret."""
        return f"http://:{self.secret}@127.0.0.1:{self.port}"

    @property
    def anonymous_url(self) -> str:
        """The proxy URL without the secret (refused unless started ``--allow-anonymous``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ca(self) -> Path:
        """The proxy's CA certificate."""
        return self.home / "mitmproxy" / "mitmproxy-ca-cert.pem"

    def env(self, project: Path) -> dict[str, str]:
        """What ``redactproxy env --project PROJECT`` exports for this proxy."""
        out = subprocess.run(
            [sys.executable, "-m", "redactproxy", "env", "--port", str(self.port), "--project",
             str(project)], capture_output=True, text=True, check=True, timeout=60,
            env={**os.environ, "REDACTPROXY_HOME": str(self.home)}).stdout
        pairs = (shlex.split(line.removeprefix("export "))[0].split("=", 1)
                 for line in out.splitlines() if line.startswith("export "))
        return {k: v for k, v in pairs}

    def output(self) -> str:
        """Everything the proxy printed so far (stdout and stderr)."""
        return "\n".join(self.lines)

    def client(self, **kw: object) -> httpx2.Client:
        """An httpx2 client (what the SDKs use) going through the proxy, trusting its CA."""
        ctx = ssl.create_default_context(cafile=str(self.trust))
        return httpx2.Client(proxy=self.url, verify=ctx, trust_env=False,
                             **kw)  # type: ignore[arg-type]

    def openai(self, **kw: object) -> object:
        """The official OpenAI SDK client, through the proxy."""
        import openai

        return openai.OpenAI(api_key=kw.pop("api_key", "sk-test-fake"),  # type: ignore[arg-type]
                             max_retries=0, http_client=self.client(), **kw)  # type: ignore[arg-type]

    def anthropic(self, **kw: object) -> object:
        """The official Anthropic SDK client, through the proxy."""
        import anthropic

        return anthropic.Anthropic(api_key=kw.pop("api_key", "sk-ant-test-fake"),  # type: ignore[arg-type]
                                   max_retries=0, http_client=self.client(), **kw)  # type: ignore[arg-type]

    def wait_for_line(self, needle: str, timeout: float = 60.0) -> str:
        """Wait until the proxy printed a line containing ``needle``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if needle in line:
                    return line
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"proxy never printed {needle!r}; output:\n{self.output()}")

    def stop(self) -> int:
        """Stop the proxy (SIGTERM) and return its exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def _reader(proc: subprocess.Popen[str], lines: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))


def start_proxy(upstream: FakeUpstream, test_ca: TestCA, home: Path, project: Path, *,
                args: list[str] | None = None, env: dict[str, str] | None = None,
                wait_detector: bool = True) -> ProxyProcess:
    """Start ``redactproxy start --no-ui`` routed to ``upstream``; wait until it listens."""
    port = free_port()
    cmd = [sys.executable, "-m", "redactproxy", "start", "--no-ui", "--listen-port", str(port),
           "--project", str(project), "--upstream-ca", str(test_ca.cert_path)]
    for host in DEFAULT_HOSTS:
        if not host.replace(".", "").isdigit() and host != "localhost":
            cmd += ["--resolve", f"{host}:443=127.0.0.1:{upstream.port}"]
    cmd += args or []
    full_env = {**os.environ, "REDACTPROXY_HOME": str(home), **(env or {})}
    full_env.pop("HTTPS_PROXY", None)
    full_env.pop("https_proxy", None)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=full_env)
    lines: list[str] = []
    threading.Thread(target=_reader, args=(proc, lines), daemon=True).start()
    pp = ProxyProcess(proc, port, home, project, home / "trust.pem", lines)
    try:
        pp.wait_for_line("listening on")
        if wait_detector:
            pp.wait_for_line("detector ready", timeout=120)
    except AssertionError:
        pp.stop()
        raise
    pp.trust.write_text(pp.ca.read_text() + test_ca.cert_path.read_text())
    return pp


@pytest.fixture
def proxy_factory(fake_upstream: FakeUpstream, test_ca: TestCA, secret_service: object,
                  tmp_path_factory: pytest.TempPathFactory,
                  ) -> Iterator[Callable[..., ProxyProcess]]:
    """Start extra proxies (own home and project) for a test; all stopped at its end."""
    started: list[ProxyProcess] = []

    def make(*, home: Path | None = None, project: Path | None = None,
             **kw: object) -> ProxyProcess:
        h = home or tmp_path_factory.mktemp("home")
        p = project or tmp_path_factory.mktemp("project")
        pp = start_proxy(fake_upstream, test_ca, h, p, **kw)  # type: ignore[arg-type]
        started.append(pp)
        return pp

    yield make
    for pp in started:
        pp.stop()


@pytest.fixture(scope="session")
def shared_proxy(fake_upstream: FakeUpstream, test_ca: TestCA, secret_service: object,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyProcess]:
    """One proxy for the session (NER on, default packs), for tests that need no special setup."""
    pp = start_proxy(fake_upstream, test_ca, tmp_path_factory.mktemp("shared-home"),
                     tmp_path_factory.mktemp("shared-project"))
    yield pp
    pp.stop()


@pytest.fixture
def proxy(shared_proxy: ProxyProcess, upstream: FakeUpstream) -> ProxyProcess:
    """The session proxy, with the fake upstream's recordings cleared for this test."""
    return shared_proxy

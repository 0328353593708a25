"""``redactproxy ca install|uninstall`` on this machine's real Debian trust store.

Needs root and ``update-ca-certificates`` (CI runs as root on Debian). A plain ``curl``
(no ``--cacert``, no CA variables) through the proxy fails, succeeds after ``ca install``,
and fails again after ``ca uninstall``; the system bundle ends byte-identical to before and
the Java keystore holds no redactproxy alias. Cleanup runs whatever happens.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from redactproxy.trust import DEBIAN_DIR, anchor_name

BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")

pytestmark = pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("update-ca-certificates")
         and BUNDLE.is_file()),
    reason="needs root and Debian's update-ca-certificates (CI has both)")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in (
        "HTTPS_PROXY", "HTTP_PROXY", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE")}
    env["REDACTPROXY_HOME"] = str(home)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "redactproxy", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def _curl(proxy_url: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--proxy",
                           proxy_url, "https://api.openai.com/v1/models"],
                          env=env, capture_output=True, text=True, timeout=60)


def _java_aliases() -> str:
    if not shutil.which("keytool"):
        return ""
    out = subprocess.run(["keytool", "-list", "-cacerts", "-storepass", "changeit"],
                         capture_output=True, text=True).stdout
    return "\n".join(line for line in out.splitlines() if "redactproxy" in line.lower())


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def trust_store_lock() -> Iterator[None]:
    """One test at a time changes the machine's trust store (parallel checkouts share it)."""
    with open("/tmp/redactproxy-trust-store-test.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def test_install_then_uninstall_on_the_system_store(proxy_factory, secret_service,
                                                    tmp_path: Path, trust_store_lock) -> None:
    home = tmp_path / "home"
    pp = proxy_factory(home=home, args=["--no-nlp"], wait_detector=False)
    env = _env(home)
    before = _digest(BUNDLE)
    links_before = sorted(os.listdir(BUNDLE.parent))
    assert not _java_aliases()
    dest = DEBIAN_DIR / f"{anchor_name()}.crt"
    assert not dest.exists(), f"{dest} left over by an earlier run"

    ca = x509.load_pem_x509_certificate(pp.ca.read_bytes())
    assert "redactproxy" in ca.subject.rfc4514_string()  # a new CA names itself
    untrusted = _curl(pp.url, env)
    assert untrusted.returncode == 60, untrusted.stderr  # curl: peer certificate not trusted
    try:
        r = _cli(env, "ca", "install")
        assert r.returncode == 0, r.stdout + r.stderr
        assert dest.is_file() and "update-ca-certificates" in r.stdout
        trusted = _curl(pp.url, env)
        assert trusted.returncode == 0, trusted.stderr
        assert trusted.stdout.isdigit()  # an HTTP status from the fake upstream, via the proxy
        if shutil.which("keytool"):
            assert anchor_name() in _java_aliases()
    finally:
        r = _cli(env, "ca", "uninstall")
        if dest.exists():  # the command failed: clean up by hand so the machine is unchanged
            dest.unlink()
            subprocess.run(["update-ca-certificates", "--fresh"], capture_output=True)
        for alias in (anchor_name(), f"debian:{anchor_name()}.pem"):
            subprocess.run(["keytool", "-delete", "-noprompt", "-cacerts", "-storepass",
                            "changeit", "-alias", alias], capture_output=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not dest.exists()
    assert _curl(pp.url, env).returncode == 60
    assert _digest(BUNDLE) == before
    assert not _java_aliases()
    assert sorted(os.listdir(BUNDLE.parent)) == links_before


def test_not_root_prints_the_exact_commands(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    script = ("import os, sys; os.geteuid = lambda: 1000; "
              "from redactproxy.cli import main; sys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", script, "ca", "install"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    ca = tmp_path / "home" / "mitmproxy" / "mitmproxy-ca-cert.pem"
    dest = DEBIAN_DIR / f"{anchor_name()}.crt"
    assert f"sudo install -D -m 0644 {ca} {dest}" in r.stdout
    assert "sudo update-ca-certificates" in r.stdout
    assert not dest.exists()

"""The proxy CA's name: new CAs say redactproxy and the machine; existing CAs are kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from mitmproxy.certs import CertStore

from redactproxy.ca import ca_common_name, confdir, ensure_ca


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REDACTPROXY_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _names(path: Path) -> tuple[str, str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    org = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    return str(org), str(cn)


def test_new_ca_names_redactproxy_and_the_machine(home: Path) -> None:
    cert = ensure_ca()
    assert _names(cert) == ("redactproxy", ca_common_name())
    assert ca_common_name("build-box.example.org") == "redactproxy CA (build-box)"
    # mitmproxy loads it under its own basename, as the running proxy does
    store = CertStore.from_store(confdir(), "mitmproxy", 2048)
    assert store.default_ca.organization == "redactproxy"
    assert (confdir() / "mitmproxy-ca.pem").stat().st_mode & 0o077 == 0


def test_existing_mitmproxy_named_ca_keeps_working(home: Path) -> None:
    CertStore.from_store(confdir(), "mitmproxy", 2048)  # what an earlier version created
    cert = confdir() / "mitmproxy-ca-cert.pem"
    before = cert.read_bytes()
    assert ensure_ca() == cert
    assert cert.read_bytes() == before
    assert _names(cert) == ("mitmproxy", "mitmproxy")

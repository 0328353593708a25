"""The proxy's certificate authority and the trust bundles clients need.

mitmproxy keeps its CA under a ``confdir``; ours is ``<REDACTPROXY_HOME>/mitmproxy``. The
files keep mitmproxy's names (``mitmproxy-ca.pem``: its ``CertStore`` only loads that
basename), but a CA created by redactproxy is issued to ``O=redactproxy, CN=redactproxy CA
(<host>)`` so a trust store shows whose it is; a CA created before keeps its old name and
keeps working. Some
clients (Python's ``SSL_CERT_FILE``, curl) REPLACE their trust store with the file they are
given, so ``env`` hands them a bundle of the system roots plus our CA. ``--upstream-ca``
works the same way for the proxy's own upstream connections: certifi's roots plus the
extra CA, never verification switched off.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import certifi

from redactproxy.home import home_dir

__all__ = ["CA_NAME", "CA_ORGANIZATION", "ca_cert_path", "ca_common_name", "client_bundle",
           "confdir", "ensure_ca", "upstream_bundle"]

#: Basename of the CA files in the confdir (mitmproxy's ``CONF_BASENAME``; it loads no other).
CA_NAME = "mitmproxy"
#: Organization of the CA certificate redactproxy creates.
CA_ORGANIZATION = "redactproxy"
_SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                   "/etc/ssl/cert.pem")


def confdir() -> Path:
    """mitmproxy's configuration directory (holds the CA)."""
    path = home_dir() / "mitmproxy"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def ca_cert_path() -> Path:
    """The proxy CA certificate (PEM, public)."""
    return confdir() / f"{CA_NAME}-ca-cert.pem"


def ca_common_name(host: str | None = None) -> str:
    """The CA's common name: says redactproxy and the machine (at most 64 characters)."""
    host = (host or socket.gethostname() or "localhost").split(".")[0]
    return f"redactproxy CA ({host[:40]})"


def ensure_ca() -> Path:
    """Create the CA if missing (before mitmproxy would, so it gets our name); return its cert.

    An existing CA (also one named ``mitmproxy`` by an earlier version) is kept as it is:
    clients and trust stores that trust it keep working.
    """
    if not (confdir() / f"{CA_NAME}-ca.pem").exists():
        from mitmproxy.certs import CertStore

        CertStore.create_store(confdir(), CA_NAME, 2048, organization=CA_ORGANIZATION,
                               cn=ca_common_name())
    for key_file in confdir().glob(f"{CA_NAME}-ca*.p12"), confdir().glob(f"{CA_NAME}-ca.pem"):
        for f in key_file:
            f.chmod(0o600)
    return ca_cert_path()


def _system_roots() -> str:
    for candidate in _SYSTEM_BUNDLES:
        if os.path.isfile(candidate):
            return Path(candidate).read_text(encoding="utf-8")
    return Path(certifi.where()).read_text(encoding="utf-8")


def _write(path: Path, text: str) -> Path:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def client_bundle() -> Path:
    """System roots + the proxy CA, for ``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``, curl."""
    ca = ensure_ca().read_text(encoding="utf-8")
    return _write(home_dir() / "ca-bundle.pem", _system_roots().rstrip() + "\n" + ca)


def upstream_bundle(extra: Path) -> Path:
    """certifi's roots + ``extra``: what the proxy trusts upstream with ``--upstream-ca``."""
    roots = Path(certifi.where()).read_text(encoding="utf-8")
    try:
        ca = extra.read_text(encoding="utf-8")
    except OSError as e:
        from redactproxy.errors import ConfigError

        raise ConfigError(f"cannot read --upstream-ca {extra}: {e.strerror}") from None
    return _write(home_dir() / "upstream-trust.pem", roots.rstrip() + "\n" + ca)

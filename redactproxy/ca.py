"""The proxy's certificate authority and the trust bundles clients need.

mitmproxy keeps its CA under a ``confdir``; ours is ``<REDACTPROXY_HOME>/mitmproxy``. Some
clients (Python's ``SSL_CERT_FILE``, curl) REPLACE their trust store with the file they are
given, so ``env`` hands them a bundle of the system roots plus our CA. ``--upstream-ca``
works the same way for the proxy's own upstream connections: certifi's roots plus the
extra CA, never verification switched off.
"""

from __future__ import annotations

import os
from pathlib import Path

import certifi

from redactproxy.home import home_dir

__all__ = ["CA_NAME", "ca_cert_path", "client_bundle", "confdir", "ensure_ca", "upstream_bundle"]

CA_NAME = "mitmproxy"
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


def ensure_ca() -> Path:
    """Create the CA if missing (as mitmproxy would on first start); return its cert path."""
    if not ca_cert_path().exists():
        from mitmproxy.certs import CertStore

        CertStore.from_store(str(confdir()), CA_NAME, 2048)
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

"""A throw-away certificate authority for the test harness.

The fake upstream must be reached over real TLS under the real provider host names, so the
proxy's upstream verification (and the SDKs, when they talk to the fake directly) run the same
code paths they run in production. Nothing here is ever trusted outside a test's tmp dir.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["DEFAULT_HOSTS", "TestCA", "make_test_ca"]

#: Every host name the fake upstream answers for; one leaf certificate covers them all.
DEFAULT_HOSTS: tuple[str, ...] = (
    "api.openai.com",
    "api.anthropic.com",
    "generativelanguage.googleapis.com",
    "api.deepseek.com",
    "relay.example.test",
    # What the coding agents call besides the model API (sign-in, plugins, telemetry, update
    # checks): routed to the fake too, so a test run never leaves 127.0.0.1.
    "chatgpt.com",
    "auth.openai.com",
    "api.github.com",
    "github.com",
    "cloudcode-pa.googleapis.com",
    "oauth2.googleapis.com",
    "www.googleapis.com",
    "play.googleapis.com",
    "api.githubcopilot.com",
    "www.example.org",
    "localhost",
    "127.0.0.1",
)

_VALIDITY = _dt.timedelta(days=30)
_BACKDATE = _dt.timedelta(days=1)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only (keys must never be world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _san(hostnames: Iterable[str]) -> x509.SubjectAlternativeName:
    """Build a SAN extension; IP literals become IPAddress entries as TLS clients require."""
    names: list[x509.GeneralName] = []
    for host in hostnames:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


@dataclass
class TestCA:
    """A CA whose key and certificate live as PEM files (0600) in ``directory``.

    Attributes:
        cert_path: CA certificate PEM; give it to clients as their trust anchor.
        key_path: CA private key PEM.
        combined_path: key + certificate in one PEM (the layout mitmproxy's confdir uses).
    """

    __test__ = False  # not a pytest test class despite the name

    cert_path: Path
    key_path: Path
    combined_path: Path
    cert: x509.Certificate = field(repr=False)
    key: ec.EllipticCurvePrivateKey = field(repr=False)

    def issue(
        self, hostnames: Iterable[str] = DEFAULT_HOSTS, directory: str | os.PathLike[str] = ""
    ) -> tuple[Path, Path]:
        """Issue a server certificate for ``hostnames`` and write it next to its key.

        Strict-verification friendly (SKI/AKI, EKU serverAuth, critical basic constraints) so it
        also passes Python 3.13's ``VERIFY_X509_STRICT`` default.

        Returns:
            ``(cert_path, key_path)``; the cert file holds the leaf followed by the CA cert.
        """
        out = Path(directory) if directory else self.cert_path.parent
        out.mkdir(parents=True, exist_ok=True)
        hosts = list(hostnames)
        key = ec.generate_private_key(ec.SECP256R1())
        now = _dt.datetime.now(_dt.UTC)
        ca_ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + _VALIDITY)
            .add_extension(_san(hosts), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=True,
                    data_encipherment=False, key_agreement=False, key_cert_sign=False,
                    crl_sign=False, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False
            )
            .sign(self.key, hashes.SHA256())
        )
        cert_path = out / "upstream-cert.pem"
        key_path = out / "upstream-key.pem"
        chain = cert.public_bytes(serialization.Encoding.PEM) + self.cert.public_bytes(
            serialization.Encoding.PEM
        )
        _write_private(cert_path, chain)
        _write_private(key_path, _key_pem(key))
        return cert_path, key_path


def make_test_ca(directory: str | os.PathLike[str]) -> TestCA:
    """Create a fresh CA in ``directory`` (``test-ca-cert.pem``, ``test-ca-key.pem``)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "redactproxy tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, "redactproxy throw-away test CA"),
        ]
    )
    now = _dt.datetime.now(_dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path = out / "test-ca-cert.pem"
    key_path = out / "test-ca-key.pem"
    combined_path = out / "test-ca-combined.pem"
    _write_private(cert_path, cert_pem)
    _write_private(key_path, _key_pem(key))
    _write_private(combined_path, _key_pem(key) + cert_pem)
    return TestCA(cert_path, key_path, combined_path, cert, key)

"""Checksums and shape checks that turn a regex hit into a confident finding.

A regex only says a value has the right shape; many shapes (16 digits, 18 digits, four
dotted numbers) are common in ordinary text. A validator is a pure ``str -> bool`` that
accepts the matched value (the rule's secret group) only when its check digits or
structure agree. Rules name validators by key in ``VALIDATORS``; adding a validator is
adding one function and one registry entry.

Where presidio-analyzer already checks a value (Luhn for cards, IBAN check digits and
per-country structure, the SSA's never-issued SSNs), the validator calls Presidio's check
and adds only what our rules need on top (length bounds, ITIN areas). Presidio is imported
on first use: rules are parsed in the proxy process, which never validates a value.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

__all__ = [
    "VALIDATORS",
    "Validator",
    "basic_auth",
    "cn_landline",
    "cn_resident_id",
    "cn_uscc",
    "credential_value",
    "iban",
    "ipv4",
    "ipv6",
    "jwt",
    "luhn",
    "phone",
    "us_itin",
    "us_ssn",
]

Validator = Callable[[str], bool]


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


@cache
def _presidio(name: str) -> Any:
    """One of Presidio's recognizers, built once per process (its checks are methods)."""
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        IbanRecognizer,
        UsSsnRecognizer,
    )

    if name == "iban":  # exact_match: the country's whole BBAN structure, not a prefix
        return IbanRecognizer(exact_match=True)
    return {"card": CreditCardRecognizer, "ssn": UsSsnRecognizer}[name]()


def luhn(value: str) -> bool:
    """Card number: 12-19 digits, not one repeated digit, and Presidio's Luhn check.

    Spaces and dashes are ignored (Presidio strips them too).
    """
    digits = _digits(value)
    if not 12 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    return bool(_presidio("card").validate_result(value))


def iban(value: str) -> bool:
    """ISO 13616 IBAN: Presidio's check digits and per-country structure; spaces ignored."""
    s = value.replace(" ", "").replace("-", "").upper()
    if not s.isalnum() or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    return _presidio("iban").validate_result(s) is True


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def cn_resident_id(value: str) -> bool:
    """GB 11643-1999 mainland resident ID: 17 digits, then the ISO 7064 MOD 11-2 check."""
    s = value.upper()
    if len(s) != 18 or not s[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == s[17]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def cn_uscc(value: str) -> bool:
    """GB 32100-2015 unified social credit code: 18 chars over a 31-symbol alphabet, mod 31."""
    s = value.upper()
    if len(s) != 18 or any(c not in _USCC_CHARS for c in s) or not s[2:8].isdigit():
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(s[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == s[17]


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt(value: str) -> bool:
    """Three base64url parts whose header decodes to a JSON object carrying ``alg``."""
    parts = value.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return False
    try:
        header = json.loads(_b64url_decode(parts[0]))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and "alg" in header


def us_ssn(value: str) -> bool:
    """US SSN: nine digits that Presidio does not invalidate, and no 9xx area.

    Presidio rejects areas 000 and 666, group 00, serial 0000, one repeated digit,
    published sample numbers and mixed separators. Areas 9xx are ITINs (``us_itin``), and
    219-09-9999, a sample number printed on old SSA material, is rejected here too.
    """
    d = _digits(value)
    if len(d) != 9 or d[0] == "9" or d == "219099999":
        return False
    return not _presidio("ssn").invalidate_result(value)


def us_itin(value: str) -> bool:
    """US ITIN: 9XX-XX-XXXX with group 50-65, 70-88, 90-92 or 94-99."""
    d = _digits(value)
    if len(d) != 9 or d[0] != "9":
        return False
    g = int(d[3:5])
    return 50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or 94 <= g <= 99


def ipv4(value: str) -> bool:
    """A routable-looking IPv4 address: not unspecified, loopback, broadcast or multicast."""
    try:
        ip = ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return not (ip.is_unspecified or ip.is_loopback or ip.is_multicast
                or ip == ipaddress.IPv4Address("255.255.255.255") or value.startswith("255."))


def ipv6(value: str) -> bool:
    """A parseable IPv6 address that is not ``::``, ``::1``, link-local or multicast."""
    try:
        ip = ipaddress.IPv6Address(value.split("%", 1)[0])
    except ValueError:
        return False
    return not (ip.is_unspecified or ip.is_loopback or ip.is_multicast or ip.is_link_local)


def phone(value: str) -> bool:
    """7 to 15 digits (E.164 bound), not all the same digit, not a run like 1234567890."""
    d = _digits(value)
    return 7 <= len(d) <= 15 and len(set(d)) > 2 and d not in "01234567890123456789"


def basic_auth(value: str) -> bool:
    """HTTP Basic credentials: base64 of printable ``user:password`` with a password."""
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    user, sep, password = raw.partition(":")
    return bool(sep) and bool(password) and raw.isprintable()


_PLACEHOLDER = re.compile(
    r"""^(?:\$\{?[A-Za-z_][\w.:-]*\}?|\{\{.*\}\}|%\(?\w*\)?s|<[^>]*>|\[[^\]]*\]|%[A-Z_]+%
        |(?:os\.)?(?:environ|getenv)\b.*|process\.env\..*|env\(.*|[*xX.•]+|null|none|nil
        |true|false|undefined|required|optional|string|secret|password|str|bool|int)$""",
    re.VERBOSE | re.IGNORECASE,
)
_IDENTIFIER_PATH = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|->|::)[A-Za-z_$][\w$]*)+(?:\(\))?$")
_SNAKE_WORD = re.compile(r"^[a-z_]+$|^[A-Z_]+$")
_CALL = re.compile(r"^[A-Za-z_$][\w$.]*\(.*\)[,;]?$|^\w+\[.*\][,;]?$")


def credential_value(value: str) -> bool:
    """Reject values of generic ``password=`` / ``token:`` assignments that are not secrets.

    Code assigns variables, environment references and template slots to names like
    ``password`` far more often than literal secrets: ``self.password``, ``${DB_PASS}``,
    ``{{ secret }}``, ``os.environ[...]``, ``<token>``, ``****``, ``password_hash``, and
    calls or subscripts (``make_token(user)``, ``config["key"]``).
    """
    v = value.strip()
    if len(v) < 6 or _PLACEHOLDER.match(v) or _IDENTIFIER_PATH.match(v) or _CALL.match(v):
        return False
    return not _SNAKE_WORD.match(v)


def cn_landline(value: str) -> bool:
    """Chinese landline: area code plus a 7-8 digit local number, not one repeated digit.

    Area codes are 3 digits after the trunk 0 for Beijing (010) and the 02x cities, else 4;
    the local number is 8 digits after a 3-digit code and 7 or 8 after a 4-digit one.
    """
    digits = _digits(value.split("转")[0])
    if digits.startswith("0086"):
        digits = "0" + digits[4:]
    elif digits.startswith("86") and value.lstrip().startswith("+"):
        digits = "0" + digits[2:]
    if len(set(digits[-7:])) == 1:
        return False
    if digits[:3] == "010" or digits[:2] == "02":
        return len(digits) == 11
    return len(digits) in (11, 12)


VALIDATORS: dict[str, Validator] = {
    "luhn": luhn,
    "iban": iban,
    "cn_resident_id": cn_resident_id,
    "cn_uscc": cn_uscc,
    "cn_landline": cn_landline,
    "jwt": jwt,
    "us_ssn": us_ssn,
    "us_itin": us_itin,
    "ipv4": ipv4,
    "ipv6": ipv6,
    "phone": phone,
    "basic_auth": basic_auth,
    "credential_value": credential_value,
}

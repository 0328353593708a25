"""Table tests of the validator registry."""

from __future__ import annotations

import pytest

from redactproxy.detect import validators as v

TABLE = [
    ("luhn", "4111 1111 1111 1111", True), ("luhn", "4111-1111-1111-1112", False),
    ("luhn", "0000000000000000", False), ("luhn", "378282246310005", True),
    ("iban", "GB82 WEST 1234 5698 7654 32", True), ("iban", "GB82WEST12345698765433", False),
    ("iban", "DE89370400440532013000", True), ("iban", "XX89370400440532013000", False),
    ("cn_resident_id", "11010519491231002X", True), ("cn_resident_id", "110105194912310021", False),
    ("cn_resident_id", "1101051949123100", False),
    ("cn_uscc", "91350100M000100Y43", True), ("cn_uscc", "91350100M000100Y40", False),
    ("jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", True),
    ("jwt", "eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiJ4In0.c2ln", False), ("jwt", "a.b", False),
    ("us_ssn", "123-45-6788", True), ("us_ssn", "000-12-3456", False),
    ("us_ssn", "666-12-3456", False), ("us_ssn", "912-70-1234", False),
    ("us_ssn", "123-00-4567", False), ("us_ssn", "123-45-0000", False),
    ("us_itin", "912-70-1234", True), ("us_itin", "912-40-1234", False),
    ("ipv4", "203.0.113.42", True), ("ipv4", "127.0.0.1", False), ("ipv4", "0.0.0.0", False),
    ("ipv4", "255.255.255.0", False), ("ipv4", "224.0.0.1", False), ("ipv4", "256.1.1.1", False),
    ("ipv6", "2001:db8::1", True), ("ipv6", "::1", False), ("ipv6", "fe80::1", False),
    ("ipv6", "12:30:45", False),
    ("phone", "+1 555 010 1234", True), ("phone", "123", False), ("phone", "1234567890", False),
    ("basic_auth", "Ym9iOlRxOSF4V200elI=", True), ("basic_auth", "Ym9i", False),
    ("credential_value", "Tq9!xWm4zR", True), ("credential_value", "${DB_PASSWORD}", False),
    ("credential_value", "self.password", False), ("credential_value", "os.environ['X']", False),
    ("credential_value", "<token>", False), ("credential_value", "********", False),
    ("credential_value", "my_password", False),
]


@pytest.mark.parametrize(("name", "value", "expected"), TABLE)
def test_validator(name: str, value: str, expected: bool) -> None:
    assert v.VALIDATORS[name](value) is expected


def test_registry_lists_the_functions() -> None:
    assert {"luhn", "iban", "cn_resident_id", "cn_uscc", "jwt", "us_ssn", "ipv4",
            "ipv6"} <= set(v.VALIDATORS)

"""The vault: stable placeholders per scope, persistent, encrypted, owner-only."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from redactproxy.errors import StoreError
from redactproxy.vault import Vault

KEY = bytes(range(32))
EMAIL = "ada@example.org"


@pytest.fixture(params=["memory", "disk"])
def vault(request, tmp_path):
    v = Vault() if request.param == "memory" else Vault(tmp_path / "v" / "vault.sqlite3", KEY)
    yield v
    v.close()


def test_same_value_same_placeholder_numbered_per_entity(vault):
    a = vault.placeholder("p", "EMAIL_ADDRESS", EMAIL)
    b = vault.placeholder("p", "EMAIL_ADDRESS", "bob@example.org")
    c = vault.placeholder("p", "PHONE_NUMBER", "+1 555-0100")
    assert (a, b, c) == ("<EMAIL_ADDRESS_1>", "<EMAIL_ADDRESS_2>", "<PHONE_NUMBER_1>")
    assert vault.placeholder("p", "EMAIL_ADDRESS", EMAIL) == a
    assert vault.lookup("p", a) == EMAIL and vault.lookup("p", c) == "+1 555-0100"
    assert vault.lookup("p", "<EMAIL_ADDRESS_3>") is None
    assert vault.size() == 3 and vault.size("p") == 3 and vault.size("other") == 0


def test_scopes_are_separate(vault):
    assert vault.placeholder("p1", "EMAIL_ADDRESS", EMAIL) == "<EMAIL_ADDRESS_1>"
    assert vault.placeholder("p2", "EMAIL_ADDRESS", "bob@example.org") == "<EMAIL_ADDRESS_1>"
    assert vault.lookup("p1", "<EMAIL_ADDRESS_1>") == EMAIL
    assert vault.lookup("p2", "<EMAIL_ADDRESS_1>") == "bob@example.org"


def test_two_values_never_share_a_placeholder_across_threads(vault):
    values = [f"user{i}@example.org" for i in range(200)]
    out: dict[str, str] = {}

    def work(chunk):
        for v in chunk:
            out[v] = vault.placeholder("p", "EMAIL_ADDRESS", v)

    threads = [threading.Thread(target=work, args=(values[i::4] + values,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out.values())) == len(values)
    assert all(vault.lookup("p", ph) == v for v, ph in out.items())


def test_survives_reopen(tmp_path):
    path = tmp_path / "vault.sqlite3"
    v = Vault(path, KEY)
    v.placeholder("p", "EMAIL_ADDRESS", EMAIL)
    v.placeholder("p", "PERSON", "Zoë Ångström")
    v.close()
    v = Vault(path, KEY)
    assert v.persistent
    assert v.lookup("p", "<PERSON_1>") == "Zoë Ångström"
    assert v.placeholder("p", "EMAIL_ADDRESS", EMAIL) == "<EMAIL_ADDRESS_1>"
    assert v.placeholder("p", "EMAIL_ADDRESS", "new@example.org") == "<EMAIL_ADDRESS_2>"
    v.close()


def test_wrong_key_raises_store_error_without_the_value(tmp_path):
    path = tmp_path / "vault.sqlite3"
    v = Vault(path, KEY)
    v.placeholder("p", "EMAIL_ADDRESS", EMAIL)
    v.close()
    with pytest.raises(StoreError, match="cannot decrypt vault") as e:
        Vault(path, bytes(32))
    assert EMAIL not in str(e.value)


def test_file_mode_and_no_plaintext_on_disk(tmp_path):
    path = tmp_path / "vault.sqlite3"
    v = Vault(path, KEY)
    secret = "sk-FAKE-0123456789abcdefFAKE"
    v.placeholder("p", "API_KEY", secret)
    v.placeholder("p", "EMAIL_ADDRESS", EMAIL)
    v.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = path.read_bytes()
    assert secret.encode() not in data and EMAIL.encode() not in data
    assert secret.encode("utf-16-le") not in data


def test_existing_file_is_made_owner_only(tmp_path):
    path = tmp_path / "vault.sqlite3"
    Vault(path, KEY).close()
    os.chmod(path, 0o644)
    Vault(path, KEY).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize("key", [None, b"short"])
def test_persistent_vault_needs_a_32_byte_key(tmp_path, key):
    with pytest.raises(ValueError, match="32-byte key"):
        Vault(tmp_path / "v.sqlite3", key)


def test_unreadable_file_raises_store_error(tmp_path):
    path = tmp_path / "vault.sqlite3"
    path.write_bytes(b"this is not a sqlite database, just bytes" * 100)
    with pytest.raises(StoreError, match="cannot open vault"):
        Vault(path, KEY)


def test_memory_vault_is_not_persistent():
    v = Vault()
    assert not v.persistent
    v.placeholder("p", "EMAIL_ADDRESS", EMAIL)
    v.close()

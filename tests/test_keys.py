"""KeyStore against a real Secret Service (gnome-keyring on a private D-Bus; see
``tests/keyring_service.py``), and the refusal of every backend that is not an OS keyring."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import keyring
import keyring.backend
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from keyring.backends import chainer, fail, null

from redactproxy.credentials import fingerprint
from redactproxy.errors import ConfigError, KeyringUnavailable, StoreError
from redactproxy.keys import SERVICE, KeyStore, check_backend, secure_backend
from tests.keyring_service import SecretService

LINUX_HINT = ("no Secret Service: install gnome-keyring (or KeePassXC) and run inside a D-Bus "
              "session; see README")


def _key() -> str:
    return "sk-test-" + secrets.token_hex(16)


def _secret_tool(*args: str) -> str:
    """Read the keyring the way another program would, not through our own code."""
    return subprocess.run(["secret-tool", *args], capture_output=True, text=True,
                          check=False).stdout


@pytest.fixture
def store(clean_keyring: SecretService) -> KeyStore:
    return KeyStore()


def test_secure_backend_is_secret_service(clean_keyring: SecretService) -> None:
    backend = secure_backend()
    assert type(backend).__module__ == "keyring.backends.SecretService"


def test_backend_chosen_without_other_platforms_backends(clean_keyring: SecretService) -> None:
    """A fresh process, as at every start: the Secret Service is chosen without importing the
    macOS backend, whose import runs ldconfig, gcc and ld (keyring.get_keyring() does)."""
    code = ("import sys\n"
            "from redactproxy.keys import secure_backend\n"
            "b = secure_backend()\n"
            "print(type(b).__module__, 'keyring.backends.macOS' in sys.modules)\n")
    env = {**os.environ, **clean_keyring.env}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "keyring.backends.SecretService False\n"


def test_keyring_backend_variable_still_honoured(clean_keyring: SecretService) -> None:
    env = {**os.environ, **clean_keyring.env,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    code = "from redactproxy.keys import secure_backend\nsecure_backend()\n"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=60, check=False)
    assert r.returncode == 1
    assert "keyring backend keyring.backends.null.Keyring is not a secure OS keyring" in r.stderr


def test_set_get_list_delete(store: KeyStore) -> None:
    key = _key()
    stored = store.set("openai", key)
    assert store.get("openai") == key
    assert stored.hosts == ("api.openai.com",)
    assert (stored.header, stored.env_var) == ("authorization", "OPENAI_API_KEY")
    assert stored.fingerprint == fingerprint(key)
    assert stored.standin.startswith("rp-standin-openai-")
    assert abs(stored.age()) < timedelta(minutes=1)
    assert store.list() == [stored]
    assert store.standin_for("openai") == stored.standin

    store.delete("openai")
    assert store.get("openai") is None
    assert store.list() == []
    assert store.standin_for("openai") is None


def test_keys_are_real_keyring_items(store: KeyStore) -> None:
    key = _key()
    store.set("anthropic", key)
    assert _secret_tool("lookup", "service", SERVICE, "username", "key:anthropic") == key
    meta = json.loads(_secret_tool("lookup", "service", SERVICE, "username", "meta"))
    assert meta["version"] == 1
    entry = meta["providers"]["anthropic"]
    assert entry["hosts"] == ["api.anthropic.com"] and entry["header"] == "x-api-key"
    assert key not in json.dumps(meta), "metadata must never hold the key"


def test_keyring_files_never_hold_the_key_in_clear(store: KeyStore,
                                                  clean_keyring: SecretService) -> None:
    key = _key()
    store.set("openai", key)
    files = list(clean_keyring.keyring_dir.rglob("*"))
    assert any(f.suffix == ".keyring" for f in files)
    for f in files:
        if f.is_file():
            data = f.read_bytes()
            assert key.encode() not in data and base64.b64encode(key.encode()) not in data


def test_rotation_keeps_standin_and_renews_key(store: KeyStore) -> None:
    first = store.set("openai", _key())
    _backdate(store, "openai", days=100)
    assert store.list()[0].is_stale()
    new_key = _key()
    second = store.set("openai", new_key)
    assert store.get("openai") == new_key
    assert second.standin == first.standin, "tools already running keep working"
    assert second.fingerprint != first.fingerprint
    assert second.stored_at > first.stored_at - timedelta(days=1)
    assert not store.list()[0].is_stale()


def test_custom_provider_with_host_and_header(store: KeyStore) -> None:
    stored = store.set("my-relay", _key(), host=["API.Relay.Example.org"], header="X-Relay-Key")
    assert stored.hosts == ("api.relay.example.org",)
    assert (stored.header, stored.env_var) == ("x-relay-key", "MY_RELAY_API_KEY")
    assert stored.standin.startswith("rp-standin-my-relay-")


def test_builtin_with_extra_host_keeps_its_own(store: KeyStore) -> None:
    stored = store.set("gemini", _key(), host="gemini-mirror.example.org")
    assert stored.hosts == ("generativelanguage.googleapis.com", "gemini-mirror.example.org")
    assert (stored.header, stored.key_query) == ("x-goog-api-key", "key")


@pytest.mark.parametrize(("provider", "key", "kwargs", "message"), [
    ("nosuch", "sk-test-x", {}, "unknown provider nosuch: give --host for a custom provider"),
    ("Bad Name", "sk-test-x", {}, "invalid provider name 'bad name'"),
    ("relay", "sk-test-x", {"host": "https://relay.example.org/v1"},
     "invalid host 'https://relay.example.org/v1'"),
    ("openai", "", {}, "empty key for provider openai"),
    ("openai", "sk-test x", {}, "key for provider openai contains whitespace"),
    ("openai", "rp-standin-openai-0123456789abcdef01234567", {},
     "the key given for provider openai is a redactproxy stand-in"),
    ("openai", "sk-test-x", {"header": "bad header"}, "invalid header name 'bad header'"),
])
def test_set_rejects(store: KeyStore, provider: str, key: str, kwargs: dict[str, str],
                     message: str) -> None:
    with pytest.raises(ConfigError) as e:
        store.set(provider, key, **kwargs)  # type: ignore[arg-type]
    assert str(e.value).startswith(message)
    assert store.list() == []


def test_delete_unknown(store: KeyStore) -> None:
    with pytest.raises(ConfigError, match="^no key stored for provider openai$"):
        store.delete("openai")


def test_stored_key_values(store: KeyStore) -> None:
    a, b = _key(), _key()
    store.set("openai", a)
    store.set("anthropic", b)
    assert sorted(store.stored_key_values()) == sorted([a, b])


def test_vault_key_created_once_and_works_with_aesgcm(store: KeyStore) -> None:
    key = store.vault_key()
    assert key is not None and len(key) == 32
    assert KeyStore().vault_key() == key
    assert base64.b64decode(_secret_tool("lookup", "service", SERVICE,
                                         "username", "vault-key")) == key
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, b"alice@example.org", b"scope")
    assert AESGCM(key).decrypt(nonce, sealed, b"scope") == b"alice@example.org"


def test_corrupt_vault_key_is_an_error_not_a_new_key(store: KeyStore) -> None:
    store.backend.set_password(SERVICE, "vault-key", "not base64!")
    with pytest.raises(StoreError, match="^vault key in the keyring"):
        store.vault_key()


def test_corrupt_metadata_is_an_error(store: KeyStore) -> None:
    store.backend.set_password(SERVICE, "meta", "{")
    with pytest.raises(StoreError, match=r"^key metadata in the keyring .* is not version 1"):
        store.list()


# -- backends that must never hold a key ----------------------------------------------------


class _AltPlaintext(keyring.backend.KeyringBackend):
    """Stands for keyrings.alt's PlaintextKeyring (not installed here), matched by name.

    Every KeyringBackend subclass registers itself with keyring's detection; ``viable = False``
    keeps these test classes from ever being auto-selected (as keyrings.alt's would be).
    """

    viable = False
    priority = 0.5  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("must never be called")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("must never be called")


_AltPlaintext.__module__ = "keyrings.alt.file"
_AltPlaintext.__qualname__ = "PlaintextKeyring"


class _EmptyChainer(chainer.ChainerBackend):
    viable = False
    backends = [_AltPlaintext(), null.Keyring()]  # type: ignore[assignment]


_EmptyChainer.__module__ = chainer.ChainerBackend.__module__


@pytest.mark.parametrize(("backend", "detail"), [
    (fail.Keyring(), "keyring backend keyring.backends.fail.Keyring is not a secure OS keyring"),
    (null.Keyring(), "keyring backend keyring.backends.null.Keyring is not a secure OS keyring"),
    (_AltPlaintext(), "keyring backend keyrings.alt.file.PlaintextKeyring is not a secure"),
    (_EmptyChainer(), "keyring chainer has no secure backend"),
])
def test_insecure_backends_refused(backend: keyring.backend.KeyringBackend,
                                   detail: str) -> None:
    with pytest.raises(KeyringUnavailable) as e:
        check_backend(backend)
    message = str(e.value)
    if sys.platform.startswith("linux"):
        assert message.startswith(LINUX_HINT + " (")
    assert detail in message and "\n" not in message
    store = KeyStore(backend)
    with pytest.raises(KeyringUnavailable):
        store.set("openai", _key())
    assert store.vault_key() is None


def test_chainer_uses_its_secure_member_only(clean_keyring: SecretService) -> None:
    from keyring.backends import SecretService as ss

    class Mixed(chainer.ChainerBackend):
        viable = False
        backends = [_AltPlaintext(), ss.Keyring()]  # type: ignore[assignment]

    assert type(check_backend(Mixed())) is ss.Keyring


def test_secret_service_without_daemon_refused(clean_keyring: SecretService,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """SecretService picked explicitly but nothing answers on the bus: the liveness probe."""
    from keyring.backends import SecretService as ss

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    with pytest.raises(KeyringUnavailable) as e:
        check_backend(ss.Keyring())
    assert str(e.value).startswith(LINUX_HINT + " (keyring.backends.SecretService.Keyring: ")


def test_no_keyring_process(no_keyring_env: dict[str, str]) -> None:
    """A fresh process on a headless machine: keyring falls back to `fail`, we refuse."""
    code = ("from redactproxy.keys import KeyStore\n"
            "s = KeyStore()\n"
            "print(s.vault_key())\n"
            "s.set('openai', 'sk-test-abc')\n")
    r = subprocess.run([sys.executable, "-c", code], env=no_keyring_env, capture_output=True,
                       text=True, timeout=60, check=False)
    assert r.returncode == 1 and r.stdout == "None\n"
    assert r.stderr.strip().splitlines()[-1] == (
        f"redactproxy.errors.KeyringUnavailable: {LINUX_HINT} (keyring backend "
        "keyring.backends.fail.Keyring is not a secure OS keyring; check PYTHON_KEYRING_BACKEND "
        "and keyringrc.cfg)")


def _backdate(store: KeyStore, provider: str, days: int) -> None:
    """Edit stored_at in the metadata item, as an old installation would have left it."""
    meta = json.loads(store.backend.get_password(SERVICE, "meta") or "{}")
    when = datetime.now(UTC) - timedelta(days=days)
    meta["providers"][provider]["stored_at"] = when.isoformat()
    store.backend.set_password(SERVICE, "meta", json.dumps(meta))

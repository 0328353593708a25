"""Provider keys and the vault key in the OS keyring, and nowhere else.

A shell over ``keyring``: it refuses every backend that is not a real OS keyring (Secret
Service, macOS Keychain, Windows Credential Locker, KWallet), because ``keyring`` silently
falls back to a failing backend, and with ``keyrings.alt`` installed to a plaintext file.

Layout under service ``redactproxy`` (one item each):

* ``key:<provider>``: the real key.
* ``meta``: JSON ``{"version": 1, "providers": {<provider>: {...}}}`` with hosts, header, env
  var, stored-at, fingerprint and stand-in of every stored key. It holds no secret, but lives
  in the keyring so the keys and their metadata cannot drift apart across machines or HOMEs.
* ``vault-key``: base64 of the 32-byte AES-GCM key that encrypts the vault at rest.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import importlib
import json
import re
import secrets
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import keyring
import keyring.backend
import keyring.core
import keyring.errors
from keyring.backends import chainer, fail

from redactproxy.credentials import STANDIN_PREFIX, StoredKey, fingerprint, make_standin
from redactproxy.errors import ConfigError, KeyringUnavailable, StoreError
from redactproxy.hosts import PROVIDERS, Provider

__all__ = [
    "SECURE_BACKENDS",
    "SERVICE",
    "KeyStore",
    "StoredKey",
    "check_backend",
    "secure_backend",
]

SERVICE = "redactproxy"
"""Keyring service name every redactproxy item is stored under."""

META_USER = "meta"
VAULT_KEY_USER = "vault-key"
KEY_USER_PREFIX = "key:"
_PROBE_USER = "liveness-probe"
_VAULT_KEY_BYTES = 32
_META_VERSION = 1

SECURE_BACKENDS: frozenset[str] = frozenset({
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.kwallet.DBusKeyringKWallet4",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.Windows.WinVaultKeyring",
})
"""Backend classes trusted with keys, by exact qualified name. An allow-list, so anything new
or unknown (``fail``, ``null``, every ``keyrings.alt`` file backend, third-party plugins) is
refused rather than trusted by accident."""

_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_LABEL = r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?"
_HOST_RE = re.compile(rf"(\*\.)?{_LABEL}(\.{_LABEL})*")
_HEADER_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_ENV_RE = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


def _qualname(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _install_hint() -> str:
    """What to install or run on this platform to get a secure keyring."""
    if sys.platform == "darwin":
        return "no usable macOS Keychain: run as your logged-in user with the login keychain " \
               "unlocked; see README"
    if sys.platform == "win32":
        return "no usable Windows Credential Locker: reinstall keyring with pywin32-ctypes; " \
               "see README"
    return "no Secret Service: install gnome-keyring (or KeePassXC) and run inside a D-Bus " \
           "session; see README"


def check_backend(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
    """Return ``backend`` (or the secure member of a chainer) if it is a live OS keyring.

    Args:
        backend: The backend ``keyring`` resolved (``keyring.get_keyring()``).

    Raises:
        KeyringUnavailable: The backend is not on ``SECURE_BACKENDS``, or does not answer.
    """
    if isinstance(backend, chainer.ChainerBackend):
        # Use the secure member itself, never the chainer: its writes go to the first member
        # that accepts them, which may be a plaintext file.
        members = [b for b in backend.backends if _qualname(b) in SECURE_BACKENDS]
        if not members:
            raise KeyringUnavailable(f"{_install_hint()} (keyring chainer has no secure backend)")
        backend = members[0]
    name = _qualname(backend)
    if name not in SECURE_BACKENDS:
        raise KeyringUnavailable(f"{_install_hint()} (keyring backend {name} is not a secure "
                                 "OS keyring; check PYTHON_KEYRING_BACKEND and keyringrc.cfg)")
    try:
        backend.get_password(SERVICE, _PROBE_USER)
    except keyring.errors.KeyringLocked as e:
        raise KeyringUnavailable(f"the OS keyring is locked: unlock it and retry ({name})") from e
    except Exception as e:  # noqa: BLE001 - any backend failure means "not usable"
        raise KeyringUnavailable(f"{_install_hint()} ({name}: {type(e).__name__})") from e
    return backend


def secure_backend() -> keyring.backend.KeyringBackend:
    """Return the OS keyring backend ``keyring`` selected, if it is secure and answers.

    Honours ``PYTHON_KEYRING_BACKEND`` and ``keyringrc.cfg`` like every keyring client, then
    refuses the result unless it is a real OS keyring.

    Raises:
        KeyringUnavailable: No secure keyring; the message says what to install or run.
    """
    return check_backend(_selected_backend())


_LINUX_BACKENDS = (
    ("keyring.backends.SecretService", "Keyring"),
    ("keyring.backends.libsecret", "Keyring"),
    ("keyring.backends.kwallet", "DBusKeyring"),
    ("keyring.backends.kwallet", "DBusKeyringKWallet4"),
)


def _selected_backend() -> keyring.backend.KeyringBackend:
    """The backend ``keyring`` would select, without loading other platforms' backends.

    ``keyring.get_keyring()`` imports every backend to rank them, and on Linux its macOS
    backend runs ``ctypes.util.find_library`` three times (``ldconfig``, ``gcc`` and ``ld``
    each time): 150-300 ms before the proxy can listen, at every start. The only backends
    ``check_backend`` accepts on Linux are the ones below, so after ``PYTHON_KEYRING_BACKEND``
    and ``keyringrc.cfg`` (honoured first, as ``keyring`` does) they are ranked with
    ``keyring``'s own priorities. With none of them viable the answer is ``keyring``'s own
    fallback, ``fail.Keyring``, which ``check_backend`` refuses.
    """
    if sys.platform in ("darwin", "win32"):
        return keyring.get_keyring()
    chosen = keyring.core.load_env() or keyring.core.load_config()
    if chosen is not None:
        return chosen
    rings: list[keyring.backend.KeyringBackend] = []
    for module, name in _LINUX_BACKENDS:
        try:
            cls = getattr(importlib.import_module(module), name)
            if cls.viable:
                rings.append(cls())
        except Exception:  # noqa: BLE001,S112 - a backend that cannot load is not viable
            continue
    if not rings:
        return fail.Keyring()
    return max(rings, key=keyring.backend.by_priority)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _builtin(provider: str) -> Provider | None:
    return next((p for p in PROVIDERS if p.name == provider), None)


def _default_env_var(provider: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", provider.upper()) + "_API_KEY"


def _check_key(provider: str, key: str) -> None:
    if not key:
        raise ConfigError(f"empty key for provider {provider}")
    if any(c.isspace() or not c.isprintable() for c in key):
        raise ConfigError(f"key for provider {provider} contains whitespace or control "
                          "characters (it must fit in one HTTP header)")
    if key.lower().startswith(STANDIN_PREFIX):
        raise ConfigError(f"the key given for provider {provider} is a redactproxy stand-in, "
                          "not a real key")


class KeyStore:
    """Provider keys, their metadata and the vault key, all kept in a secure OS keyring.

    The backend is resolved (and checked) on first use, so a ``KeyStore`` can be created on a
    machine without a keyring: ``vault_key()`` then returns None and every other method raises
    ``KeyringUnavailable``.

    Args:
        backend: A backend to use instead of the one ``keyring`` selects; it is checked the
            same way (``check_backend``).
    """

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._given = backend
        self._backend: keyring.backend.KeyringBackend | None = None

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        """The checked backend; raises ``KeyringUnavailable`` if there is none."""
        if self._backend is None:
            self._backend = (check_backend(self._given) if self._given is not None
                             else secure_backend())
        return self._backend

    def set(self, provider: str, key: str, host: str | list[str] | tuple[str, ...] | None = None,
            header: str | None = None, env_var: str | None = None) -> StoredKey:
        """Store (or rotate) a provider's key and return its new metadata.

        Setting an already stored provider rotates the key: new stored-at and fingerprint, same
        stand-in, so tools already running with the stand-in keep working.

        Args:
            provider: Built-in provider name, or a custom name (then ``host`` is required).
            key: The real key.
            host: Extra host(s) the key may be sent to (relays, OpenAI-compatible endpoints).
                For a built-in provider they are added to its own hosts.
            header: Header the key goes in; default the provider's, ``authorization`` for
                custom providers.
            env_var: Variable ``env`` exports the stand-in as; default the provider's,
                ``<PROVIDER>_API_KEY`` for custom providers.

        Raises:
            ConfigError: Invalid provider, host, header, env var or key.
            KeyringUnavailable: No secure keyring.
        """
        provider = provider.strip().lower()
        if not _NAME_RE.fullmatch(provider):
            raise ConfigError(f"invalid provider name {provider!r}: use lower-case letters, "
                              "digits and '-'")
        extra = [host] if isinstance(host, str) else list(host or [])
        extra = [h.strip().lower().rstrip(".") for h in extra]
        for h in extra:
            if not _HOST_RE.fullmatch(h):
                raise ConfigError(f"invalid host {h!r}: give a host name such as "
                                  "api.example.org (no scheme, port or path)")
        if header is not None:
            header = header.strip().lower()
            if not _HEADER_RE.fullmatch(header):
                raise ConfigError(f"invalid header name {header!r}")
        if env_var is not None and not _ENV_RE.fullmatch(env_var):
            raise ConfigError(f"invalid environment variable name {env_var!r}")
        _check_key(provider, key)

        builtin = _builtin(provider)
        if builtin is None and not extra:
            names = ", ".join(p.name for p in PROVIDERS)
            raise ConfigError(f"unknown provider {provider}: give --host for a custom provider, "
                              f"or use one of {names}")
        hosts = tuple(dict.fromkeys((*(builtin.hosts if builtin else ()), *extra)))
        meta = self._read_meta()
        old = meta.get(provider, {})
        entry = {
            "hosts": list(hosts),
            "header": header or (builtin.auth_header if builtin else "authorization"),
            "env_var": env_var or (builtin.env_var if builtin else _default_env_var(provider)),
            "key_query": builtin.key_query if builtin else None,
            "stored_at": _now().isoformat(),
            "fingerprint": fingerprint(key),
            "standin": old.get("standin") or make_standin(provider),
        }
        self._set(KEY_USER_PREFIX + provider, key)
        meta[provider] = entry
        self._write_meta(meta)
        return _stored(provider, entry)

    def get(self, provider: str) -> str | None:
        """Return the real key of ``provider``, or None if none is stored.

        Args:
            provider: Provider name.
        """
        return self._get(KEY_USER_PREFIX + provider.strip().lower())

    def delete(self, provider: str) -> None:
        """Delete a provider's key and metadata.

        Args:
            provider: Provider name.

        Raises:
            ConfigError: No key is stored for ``provider``.
        """
        provider = provider.strip().lower()
        meta = self._read_meta()
        key_present = self._get(KEY_USER_PREFIX + provider) is not None
        if provider not in meta and not key_present:
            raise ConfigError(f"no key stored for provider {provider}")
        if key_present:
            self._call(self.backend.delete_password, KEY_USER_PREFIX + provider)
        if meta.pop(provider, None) is not None:
            self._write_meta(meta)

    def list(self) -> list[StoredKey]:
        """Return the metadata of every stored key, sorted by provider (never a key)."""
        return [_stored(name, entry) for name, entry in sorted(self._read_meta().items())]

    def standin_for(self, provider: str) -> str | None:
        """Return the stand-in tools use for ``provider``, or None if it has no stored key.

        Args:
            provider: Provider name.
        """
        entry = self._read_meta().get(provider.strip().lower())
        return entry["standin"] if entry else None

    def stored_key_values(self) -> builtins.list[str]:
        """Return the real value of every stored key, for the known-secrets detector.

        The caller must hold them in memory only; they exist so a key pasted into a prompt is
        redacted like any other secret.
        """
        return [k for name in sorted(self._read_meta()) if (k := self.get(name))]

    def has_vault_key(self) -> bool:
        """True if the vault key is stored (the vault is persistent); never creates it.

        Raises:
            KeyringUnavailable: No usable keyring.
        """
        return self._get(VAULT_KEY_USER) is not None

    def vault_key(self) -> bytes | None:
        """Return the vault's 32-byte AES-GCM key, creating it on first use.

        Returns None when no secure keyring is available: the vault then lives in memory only.

        Raises:
            StoreError: The stored vault key is corrupt (the vault cannot be decrypted).
        """
        try:
            stored = self._get(VAULT_KEY_USER)
            if stored is None:
                key = secrets.token_bytes(_VAULT_KEY_BYTES)
                self._set(VAULT_KEY_USER, base64.b64encode(key).decode())
                return key
        except KeyringUnavailable:
            return None
        try:
            key = base64.b64decode(stored, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != _VAULT_KEY_BYTES:
            raise StoreError(f"vault key in the keyring (service {SERVICE}, user "
                             f"{VAULT_KEY_USER}) is not {_VAULT_KEY_BYTES} bytes of base64")
        return key

    # -- keyring access, every call funnelled so backend errors become one error type --------

    def _call(self, fn: Callable[..., Any], user: str, *args: str) -> Any:
        backend = self.backend
        try:
            return fn(SERVICE, user, *args)
        except keyring.errors.KeyringLocked as e:
            raise KeyringUnavailable("the OS keyring is locked: unlock it and retry") from e
        except Exception as e:  # noqa: BLE001 - D-Bus/OS errors are not all KeyringError
            raise KeyringUnavailable(f"keyring {_qualname(backend)} failed on "
                                     f"{SERVICE}/{user}: {type(e).__name__}") from e

    def _get(self, user: str) -> str | None:
        value: str | None = self._call(self.backend.get_password, user)
        return value

    def _set(self, user: str, value: str) -> None:
        self._call(self.backend.set_password, user, value)

    def _read_meta(self) -> dict[str, dict[str, Any]]:
        raw = self._get(META_USER)
        if raw is None:
            return {}
        try:
            data = json.loads(raw)
            providers = data["providers"]
            if data.get("version") != _META_VERSION or not isinstance(providers, dict):
                raise ValueError(data.get("version"))
        except (ValueError, KeyError, TypeError) as e:
            raise StoreError(f"key metadata in the keyring (service {SERVICE}, user "
                             f"{META_USER}) is not version {_META_VERSION} JSON") from e
        return providers

    def _write_meta(self, providers: dict[str, dict[str, Any]]) -> None:
        self._set(META_USER, json.dumps({"version": _META_VERSION, "providers": providers},
                                        sort_keys=True))


def _stored(provider: str, entry: dict[str, Any]) -> StoredKey:
    try:
        stored_at = datetime.fromisoformat(entry["stored_at"])
        if stored_at.tzinfo is None:
            stored_at = stored_at.replace(tzinfo=UTC)
        return StoredKey(provider=provider, hosts=tuple(entry["hosts"]), header=entry["header"],
                         env_var=entry["env_var"], stored_at=stored_at,
                         fingerprint=entry["fingerprint"], standin=entry["standin"],
                         key_query=entry.get("key_query"))
    except (KeyError, TypeError, ValueError) as e:
        raise StoreError(f"key metadata for provider {provider} in the keyring (service "
                         f"{SERVICE}, user {META_USER}) is incomplete") from e

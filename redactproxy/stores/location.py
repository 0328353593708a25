"""Pick the stores: the SQLite files under the home, or one PostgreSQL database.

The store URL comes from ``--store``, else ``REDACTPROXY_STORE``, else ``[store] url`` in
the user file (``config.toml``); none means the embedded SQLite files. The vault key of a
shared store comes from ``REDACTPROXY_VAULT_KEY`` (base64 of 32 bytes), else the file named
by ``REDACTPROXY_VAULT_KEY_FILE``, else the OS keyring (workstations): every replica must use
the same key, and the database never sees it.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redactproxy.errors import ConfigError, StoreError
from redactproxy.home import home_dir
from redactproxy.stores.tokens import SCHEMA as TOKEN_SCHEMA
from redactproxy.stores.tokens import Query, TokenStore, sqlite_query

__all__ = ["Stores", "open_stores", "parse_store_url", "store_url", "vault_key"]

KEY_ENV = "REDACTPROXY_VAULT_KEY"
KEY_FILE_ENV = "REDACTPROXY_VAULT_KEY_FILE"
STORE_ENV = "REDACTPROXY_STORE"


def parse_store_url(url: str, where: str) -> str | None:
    """Return ``url`` if it names PostgreSQL, None for ``sqlite`` (the default).

    Raises:
        ConfigError: any other scheme, naming ``where`` it came from.
    """
    url = url.strip()
    if url in ("", "sqlite", "sqlite:"):
        return None
    if url.startswith(("postgresql://", "postgres://")):
        return url
    scheme = url.split("://", 1)[0] if "://" in url else url.split(":", 1)[0]
    raise ConfigError(f"store {scheme!r} is not supported: use postgresql://USER@HOST/DB "
                      f"or sqlite ({where})")


def store_url(cli: str | None = None) -> str | None:
    """The PostgreSQL URL to use, or None for SQLite (see the module docstring)."""
    if cli is not None:
        return parse_store_url(cli, "--store")
    env = os.environ.get(STORE_ENV)
    if env:
        return parse_store_url(env, STORE_ENV)
    from redactproxy.config import user_config_path
    from redactproxy.detect.rules import read_toml

    path = user_config_path()
    if not path.is_file():
        return None
    _, data = read_toml(path, "user file")
    table = data.get("store", {})
    url = table.get("url") if isinstance(table, dict) else None
    if url is None:
        return None
    if not isinstance(url, str):
        raise ConfigError(f"{path}: store.url: must be a string")
    return parse_store_url(url, f"{path}: store.url")


def vault_key() -> tuple[bytes | None, str]:
    """Return ``(key, source)`` for a shared vault; key None when no source has one.

    Raises:
        ConfigError: a key is given but is not 32 bytes of base64.
    """
    text, source = os.environ.get(KEY_ENV), KEY_ENV
    if not text and os.environ.get(KEY_FILE_ENV):
        path = Path(os.environ[KEY_FILE_ENV]).expanduser()
        try:
            text, source = path.read_text(encoding="ascii").strip(), str(path)
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read the vault key ({KEY_FILE_ENV}={path}): "
                              f"{getattr(e, 'strerror', None) or e}") from None
    if text:
        try:
            key = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise ConfigError(f"the vault key must be 32 bytes of base64, e.g. from "
                              f"`head -c32 /dev/urandom | base64` ({source})")
        return key, source
    from redactproxy.keys import KeyStore

    return KeyStore().vault_key(), "OS keyring"


@dataclass
class Stores:
    """The stores a proxy or a command uses.

    Args:
        url: PostgreSQL URL, or None for the SQLite files under the home.
    """

    url: str | None
    _db: Any = field(default=None, repr=False)

    @property
    def shared(self) -> bool:
        """True for PostgreSQL."""
        return self.url is not None

    @property
    def where(self) -> str:
        """For messages: the URL without password, or the home directory."""
        return self.database().where if self.url else str(home_dir())

    def database(self) -> Any:
        """The PostgreSQL connection (created on first use)."""
        if self._db is None:
            from redactproxy.stores.postgres import Database

            assert self.url is not None
            self._db = Database(self.url)
        return self._db

    def vault(self, key: bytes) -> Any:
        """The shared vault (PostgreSQL only; the SQLite vault is opened by the addon)."""
        from redactproxy.caps import caps_from_env
        from redactproxy.stores.pgvault import PgVault

        return PgVault(self.database(), key, caps_from_env().vault)

    def links(self) -> Any:
        """The shared conversation links (PostgreSQL only; the addon keeps SQLite's own)."""
        from redactproxy.stores.pglinks import PgLinks

        return PgLinks(self.database())

    def audit(self, *, create: bool = True) -> Any:
        """The audit store."""
        if self.url is None:
            from redactproxy.audit import AuditStore

            return AuditStore(create=create)
        from redactproxy.stores.pgaudit import PgAuditStore

        return PgAuditStore(self.database())

    def tokens(self) -> TokenStore:
        """The access-token store."""
        if self.url is None:
            return TokenStore(sqlite_query(home_dir() / "tokens.sqlite3"))
        db = self.database()
        db.ensure_schema("tokens", TOKEN_SCHEMA)

        def query(sql: str, args: Any) -> list[tuple[Any, ...]]:
            with db.transaction("use token store") as cur:
                cur.execute(sql.replace("?", "%s"), tuple(args))
                return cur.fetchall() if cur.description else []

        q: Query = query
        return TokenStore(q)

    def close(self) -> None:
        """Close the database connection, if any."""
        if self._db is not None:
            self._db.close()


def open_stores(cli: str | None = None) -> Stores:
    """The stores named by ``--store``/environment/user file (see ``store_url``).

    Raises:
        ConfigError: a bad URL, or psycopg missing for a PostgreSQL URL.
    """
    url = store_url(cli)
    stores = Stores(url)
    if url is not None:
        try:
            stores.database()
        except StoreError as e:
            raise ConfigError(str(e)) from None
    return stores

"""Where the vault, the audit store and the access tokens live: SQLite files or PostgreSQL.

One interface, two implementations. The embedded default keeps SQLite files under the
redactproxy home (``vault.sqlite3``, ``audit.sqlite3``, ``tokens.sqlite3``); a team gateway
run as several replicas points every replica at one PostgreSQL database with
``--store postgresql://...`` (or ``[store] url`` in the user file, or ``REDACTPROXY_STORE``),
so that a conversation whose turns land on different replicas sees the same placeholders,
and the evidence of all of them is one chain.

The database never sees a value: vault rows are AES-GCM ciphertext under a key kept by the
proxy (``redactproxy.stores.keysource``), audit rows carry metadata only, tokens are hashed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from redactproxy.audit import StoredRequest, VerifyResult
from redactproxy.records import RequestRecord
from redactproxy.stores.tokens import TokenInfo

__all__ = ["EvidenceStore", "LinkStore", "TokenInfo", "VaultStore"]


@runtime_checkable
class VaultStore(Protocol):
    """Value ⇄ placeholder per scope (``redactproxy.vault.Vault`` or ``PgVault``)."""

    @property
    def persistent(self) -> bool:
        """True if mappings survive a restart."""
        ...

    def placeholder(self, scope: str, entity: str, value: str) -> str:
        """The placeholder of ``value`` in ``scope``, allocated once (raises StoreError)."""
        ...

    def lookup(self, scope: str, placeholder: str) -> str | None:
        """The value behind ``placeholder`` in ``scope``, or None."""
        ...

    def size(self, scope: str | None = None) -> int:
        """Number of mappings."""
        ...

    def close(self) -> None:
        """Release the connection or file."""
        ...


@runtime_checkable
class LinkStore(Protocol):
    """Server-side conversation id -> granted placeholders (``grants.Links`` or ``PgLinks``)."""

    def get(self, scope: str, ids: Iterable[str]) -> set[str]:
        """Placeholders granted along every conversation in ``ids``."""
        ...

    def add(self, scope: str, rid: str, placeholders: Iterable[str]) -> None:
        """Merge ``placeholders`` into what ``rid`` continues with (raises StoreError)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class EvidenceStore(Protocol):
    """The append-only audit chain (``redactproxy.audit.AuditStore`` or ``PgAuditStore``)."""

    def record_started(self, rec: RequestRecord) -> None: ...

    def record_finished(self, rec: RequestRecord) -> None: ...

    def append(self, rec: RequestRecord) -> int:
        """Append a finished request and its findings; return the request's row id."""
        ...

    def check(self) -> None:
        """Raise StoreError unless the store can take a row now."""
        ...

    def verify(self) -> VerifyResult:
        """Recompute the chain."""
        ...

    def requests(self, since: float | None = None, until: float | None = None,
                 project: str | None = None) -> list[StoredRequest]:
        """Request rows started in ``[since, until)`` with their findings."""
        ...

    def close(self) -> None: ...

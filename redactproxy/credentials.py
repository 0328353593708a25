"""Stand-ins for provider keys and the per-request swap of a stand-in for the real key.

Tools never hold a real provider key: ``redactproxy env`` gives them a stand-in such as
``rp-standin-openai-<24 hex>``, and the proxy swaps it for the key kept in the OS keyring, but
only on the way to that provider's own hosts. This module is the pure core of that swap: no
keyring, no mitmproxy, no network. It only knows the stand-in grammar and the metadata of the
stored keys (``StoredKey``); the real key is fetched through a callable the shell passes in.

Policy, in order of precedence (fail closed):

* A stand-in is never forwarded upstream. Any header or query value containing the stand-in
  prefix is either swapped for a real key or the whole request is refused (403).
* A known stand-in is swapped only when the request goes to one of its provider's hosts;
  sent anywhere else (a typo'd base URL, a relay, an attacker-controlled host) the request is
  refused, because forwarding would at best fail and at worst leak a local token.
* An unknown stand-in (its provider was deleted, or the environment is stale) is refused.
* A request without any stand-in, including one already carrying a real key, is left as is.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import regex

from redactproxy.hosts import host_matches

__all__ = [
    "ROTATE_AFTER",
    "STANDIN_PREFIX",
    "CredentialPolicy",
    "Outcome",
    "StoredKey",
    "SwapResult",
    "find_standins",
    "fingerprint",
    "make_standin",
    "standin_env",
]

STANDIN_PREFIX = "rp-standin-"
"""Every stand-in starts with this; a value carrying it must never leave the machine."""

ROTATE_AFTER = timedelta(days=90)
"""Keys stored longer than this are reported as due for rotation by ``keys list``."""

# Known stand-ins have the exact shape ``rp-standin-<provider>-<24 hex>``; anything else that
# starts with the prefix is still caught (case-insensitively) so it cannot slip upstream.
# ``regex`` finds a case-insensitive literal with a fast string search (``re`` steps through
# a 150 KB body char by char: 1.3 ms against 0.07). Its simple case folding differs from
# ``re``'s in one letter only: ``re`` also folds the dotless ``ı`` to ``i``, spelled out here.
_STANDIN_RE = regex.compile(regex.escape(STANDIN_PREFIX).replace("i", "[i\u0131]")
                            + r"[A-Za-z0-9_.-]*", regex.IGNORECASE | regex.V0)
_STANDIN_HEX_CHARS = 24


@dataclass(frozen=True, slots=True)
class StoredKey:
    """Metadata of one provider key in the keyring; never the key itself.

    Args:
        provider: Provider id (a built-in name from ``hosts.PROVIDERS`` or a custom one).
        hosts: Host names or ``*.`` patterns the real key may be sent to.
        header: Lower-case header the provider reads the key from (``authorization`` means
            ``Bearer <key>``); used by ``env``/docs, the swap itself keeps the client's choice.
        env_var: Environment variable ``redactproxy env`` exports the stand-in as.
        stored_at: When the key was last set (UTC); rotation resets it.
        fingerprint: First 8 hex digits of the key's SHA-256, to tell keys apart.
        standin: The local stand-in tools send instead of the key.
        key_query: Query parameter the provider also accepts the key in (Gemini's ``key``).
    """

    provider: str
    hosts: tuple[str, ...]
    header: str
    env_var: str
    stored_at: datetime
    fingerprint: str
    standin: str
    key_query: str | None = None

    def age(self, now: datetime | None = None) -> timedelta:
        """How long ago the key was stored, relative to ``now`` (default: current UTC time)."""
        return (now or datetime.now(UTC)) - self.stored_at

    def is_stale(self, now: datetime | None = None) -> bool:
        """True if the key is older than ``ROTATE_AFTER`` and should be rotated."""
        return self.age(now) > ROTATE_AFTER

    def serves(self, host: str) -> bool:
        """True if ``host`` is one of this provider's hosts (the only place the key may go)."""
        return any(host_matches(host, pattern) for pattern in self.hosts)


class Outcome(StrEnum):
    """What ``CredentialPolicy.apply`` did to a request."""

    UNTOUCHED = "untouched"
    SWAPPED = "swapped"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class SwapResult:
    """The decision for one request.

    Args:
        outcome: Untouched, swapped or refused.
        provider: Provider whose key was swapped in, or whose stand-in was refused.
        locations: Where stand-ins were found, as ``header:<name>`` or ``query:<name>``.
        reason: Why the request is refused; names provider and host, never a stand-in or key.
        status: HTTP status to answer a refused request with (None unless refused).
        code: Short machine-readable refusal code for the error body.
    """

    outcome: Outcome
    provider: str | None = None
    locations: tuple[str, ...] = field(default_factory=tuple)
    reason: str | None = None
    status: int | None = None
    code: str | None = None


def fingerprint(key: str) -> str:
    """Return the first 8 hex digits of the key's SHA-256: enough to tell keys apart, not to
    guess them.

    Args:
        key: The real provider key.
    """
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def make_standin(provider: str) -> str:
    """Return a fresh random stand-in for ``provider``.

    Args:
        provider: Provider id, embedded so a human reading an env var knows what it stands for.
    """
    return f"{STANDIN_PREFIX}{provider}-{secrets.token_hex(_STANDIN_HEX_CHARS // 2)}"


def find_standins(text: str) -> list[str]:
    """Return every stand-in-shaped token in ``text`` (known or not).

    Args:
        text: A header value, query value or any other text about to leave the machine.
    """
    return _STANDIN_RE.findall(text)


def standin_env(stored: Iterable[StoredKey]) -> dict[str, str]:
    """Return the environment ``redactproxy env``/``run`` exports: env var -> stand-in.

    Args:
        stored: Metadata of the stored keys (``KeyStore.list()``).
    """
    return {s.env_var: s.standin for s in sorted(stored, key=lambda s: s.provider)}


class CredentialPolicy:
    """Decides, per request, whether to swap a stand-in for a real key or refuse the request.

    Pure apart from ``secret_lookup``; the addon builds one per configuration and calls
    ``apply`` for each request it intercepts.

    Args:
        stored: Metadata of the stored keys.
        secret_lookup: Returns the real key of a provider, or None if it is gone.
    """

    def __init__(self, stored: Iterable[StoredKey],
                 secret_lookup: Callable[[str], str | None]) -> None:
        self._by_standin: dict[str, StoredKey] = {s.standin: s for s in stored}
        self._lookup = secret_lookup

    def apply(self, host: str, headers: MutableMapping[str, str],
              query: MutableMapping[str, str]) -> SwapResult:
        """Swap stand-ins in ``headers`` and ``query`` in place, or refuse the request.

        Nothing is modified unless every stand-in found can be swapped: a refused request is
        left exactly as it came, so a caller that ignores the result still cannot leak a key.

        Args:
            host: Upstream host name the request goes to (no port).
            headers: Request headers, addressed by lower-case name (mitmproxy ``Headers`` or a
                dict). Repeated fields are all checked when the mapping has ``get_all``.
            query: Query parameters (mitmproxy ``request.query`` or a dict); repeated
                parameters likewise.
        """
        found: list[tuple[str, MutableMapping[str, str], str, list[str]]] = []
        for kind, mapping in (("header", headers), ("query", query)):
            for name in dict.fromkeys(mapping):
                if find_standins(name):  # ``?<stand-in>`` or ``?<stand-in>=1``: never swappable
                    return _refuse(None, f"{kind}-name", "standin_in_name",
                                   f"a redactproxy stand-in is used as a {kind} name for host "
                                   f"{host}; stand-ins are only swapped in {kind} values")
                tokens = [t for v in _values(mapping, name) for t in find_standins(v)]
                if tokens:
                    found.append((kind, mapping, name, tokens))
        if not found:
            return SwapResult(Outcome.UNTOUCHED)

        providers: dict[str, StoredKey] = {}
        for kind, _, name, tokens in found:
            for token in tokens:
                stored = self._by_standin.get(token)
                where = f"{kind}:{name.lower()}"
                if stored is None:
                    return _refuse(None, where, "standin_unknown",
                                   f"unknown redactproxy stand-in in {where} for host {host}: "
                                   "re-export the environment with `redactproxy env`")
                if not stored.serves(host):
                    return _refuse(stored.provider, where, "standin_wrong_host",
                                   f"stand-in for provider {stored.provider} sent to {host}, "
                                   f"which is not one of its hosts ({', '.join(stored.hosts)})")
                providers[stored.provider] = stored

        keys: dict[str, str] = {}
        for provider in providers:
            try:
                key = self._lookup(provider)
            except Exception as e:  # noqa: BLE001 - a hook that raises lets the flow through
                return _refuse(provider, "", "key_unavailable",
                               f"cannot read the key of provider {provider} from the OS "
                               f"keyring ({type(e).__name__})")
            if not key:
                return _refuse(provider, "", "key_missing",
                               f"no stored key for provider {provider}: run "
                               f"`redactproxy keys set {provider}`")
            keys[provider] = key

        locations = []
        for kind, mapping, name, tokens in found:
            values = _values(mapping, name)
            for token in tokens:
                key = keys[self._by_standin[token].provider]
                values = [v.replace(token, key) for v in values]
            _store(mapping, name, values)
            locations.append(f"{kind}:{name.lower()}")
        return SwapResult(Outcome.SWAPPED, provider=", ".join(sorted(providers)),
                          locations=tuple(locations))

    def standins(self) -> Mapping[str, StoredKey]:
        """Return stand-in -> metadata, for callers that scan bodies for stand-ins too."""
        return dict(self._by_standin)


def _values(mapping: Mapping[str, str], name: str) -> list[str]:
    """Every value of ``name``: all repeats for mitmproxy's multi-dicts, else the one value."""
    get_all = getattr(mapping, "get_all", None)
    if callable(get_all):
        return [str(v) for v in get_all(name)]
    value = mapping.get(name)
    return [value] if value else []


def _store(mapping: MutableMapping[str, str], name: str, values: list[str]) -> None:
    """Write back what ``_values`` read, keeping repeated fields repeated."""
    set_all = getattr(mapping, "set_all", None)
    if callable(set_all):
        set_all(name, values)
    else:
        mapping[name] = values[0]


def _refuse(provider: str | None, where: str, code: str, reason: str) -> SwapResult:
    """Build a refusal; kept in one place so every refusal has the same status."""
    return SwapResult(Outcome.REFUSED, provider=provider, locations=(where,) if where else (),
                      reason=reason, status=403, code=code)

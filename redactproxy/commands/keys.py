"""``redactproxy keys set|list|delete``: provider keys live in the OS keyring, not in tools.

Usage: ``redactproxy keys set openai`` (prompts without echo), ``printf %s "$KEY" |
redactproxy keys set relay --host api.relay.example --stdin``, ``redactproxy keys list``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from redactproxy.credentials import ROTATE_AFTER
from redactproxy.errors import ConfigError
from redactproxy.keys import KeyStore

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``keys`` with its ``set``, ``list`` and ``delete`` sub-commands.

    Args:
        subparsers: The CLI's sub-command action (``parser.add_subparsers()``).
    """
    keys = subparsers.add_parser(
        "keys", help="store provider keys in the OS keyring",
        description="Store provider API keys in the OS keyring. Tools get a local stand-in "
                    "(see `redactproxy env`); the proxy swaps it for the real key on the way "
                    "to that provider's hosts only.")
    sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")

    p_set = sub.add_parser("set", help="store or rotate a provider's key",
                           description="Store a provider's key; setting it again rotates it.")
    p_set.add_argument("provider", help="built-in provider (openai, anthropic, gemini, ...) or "
                                        "a custom name together with --host")
    p_set.add_argument("--host", action="append", metavar="HOST",
                       help="host the key may be sent to (repeatable); required for custom "
                            "providers such as relays or OpenAI-compatible endpoints")
    p_set.add_argument("--header", metavar="NAME",
                       help="header carrying the key (default: the provider's, or "
                            "authorization as 'Bearer <key>' for custom providers)")
    p_set.add_argument("--env-var", metavar="NAME",
                       help="variable `redactproxy env` exports the stand-in as (default: the "
                            "provider's, or <PROVIDER>_API_KEY)")
    p_set.add_argument("--stdin", action="store_true",
                       help="read the key from standard input instead of prompting")
    p_set.set_defaults(func=_set)

    p_list = sub.add_parser("list", help="show stored keys (never the keys themselves)")
    p_list.set_defaults(func=_list)

    p_del = sub.add_parser("delete", help="delete a provider's key")
    p_del.add_argument("provider")
    p_del.set_defaults(func=_delete)


def _read_key(provider: str, from_stdin: bool) -> str:
    """Read the key without echoing it; refuse to prompt where nobody can answer."""
    if from_stdin:
        return sys.stdin.read().strip()
    if not sys.stdin.isatty():
        raise ConfigError("no terminal to prompt for the key on: pass --stdin and pipe it in")
    return getpass.getpass(f"{provider} API key (input hidden): ").strip()


def _set(args: argparse.Namespace) -> int:
    store = KeyStore()
    store.backend  # noqa: B018 - refuse before the user types a key we could not store
    provider = args.provider.strip().lower()
    rotating = store.standin_for(provider) is not None
    key = _read_key(provider, args.stdin)
    stored = store.set(provider, key, host=args.host, header=args.header, env_var=args.env_var)
    verb = "rotated" if rotating else "stored"
    print(f"{verb} {stored.provider} key {stored.fingerprint} for {', '.join(stored.hosts)}; "
          f"tools use ${stored.env_var} from `redactproxy env`")
    return 0


def _list(args: argparse.Namespace) -> int:
    stored = KeyStore().list()
    if not stored:
        print("no keys stored; add one with: redactproxy keys set PROVIDER")
        return 0
    now = datetime.now(UTC)
    rows = [("PROVIDER", "HOSTS", "STORED", "FINGERPRINT")]
    rows += [(s.provider, ", ".join(s.hosts), s.stored_at.strftime("%Y-%m-%d %H:%M UTC"),
              s.fingerprint) for s in stored]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3])
    for s in stored:
        if s.is_stale(now):
            print(f"redactproxy: warning: {s.provider} key is {s.age(now).days} days old "
                  f"(over {ROTATE_AFTER.days}); rotate it with: redactproxy keys set "
                  f"{s.provider}", file=sys.stderr)
    return 0


def _delete(args: argparse.Namespace) -> int:
    KeyStore().delete(args.provider)
    print(f"deleted {args.provider.strip().lower()} key")
    return 0

"""``redactproxy redact`` and ``redactproxy restore``: paste-safe text for web chats.

Usage: ``redactproxy redact notes.txt`` · ``redactproxy redact --clipboard`` (paste into the
chat) · ``redactproxy restore --clipboard`` (after copying the chat's answer)

The proxy cannot see a browser chat, so these do by hand what it does on the wire, for one
project: the same detector (its rule files, known secrets and stored keys), the same vault
and numbering, so ``<EMAIL_ADDRESS_1>`` here is ``<EMAIL_ADDRESS_1>`` in the proxy's requests
and survives restarts when the vault is persistent. ``mask`` entities print as ``<ENTITY>``
and stay masked: ``restore`` has nothing to put back for them.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from redactproxy.errors import ConfigError, RefusedRequest

__all__ = ["register"]


def _read(args: argparse.Namespace) -> str:
    if args.clipboard:
        return _clipboard().paste()
    if args.file == "-":
        return sys.stdin.read()
    try:
        return Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        why = getattr(e, "strerror", None) or type(e).__name__
        raise ConfigError(f"cannot read {args.file} ({why})") from None


def _clipboard() -> Any:
    """pyperclip, checked: it finds pbcopy, wl-copy, xclip or xsel (or says none exists)."""
    import pyperclip

    try:
        pyperclip.paste()
    except pyperclip.PyperclipException:
        raise ConfigError("--clipboard: no clipboard found (install wl-clipboard, xclip or "
                          "xsel, and run inside a desktop session)") from None
    return pyperclip


def _write(args: argparse.Namespace, text: str, summary: str) -> None:
    if args.clipboard:
        _clipboard().copy(text)
        print(f"{summary}; the clipboard now holds the result", file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
        print(summary, file=sys.stderr)


def _vault() -> tuple[Any, bool]:
    """The proxy's vault (persistent when the keyring holds its key)."""
    from redactproxy.home import home_dir
    from redactproxy.keys import KeyStore
    from redactproxy.vault import Vault

    key = KeyStore().vault_key()
    if key is None:
        return Vault(), False
    return Vault(home_dir() / "vault.sqlite3", key), True


def _known(root: Path) -> Any:
    """Known secrets as the proxy collects them: .env files, credential files, stored keys."""
    from redactproxy.detect.known import KnownSecrets
    from redactproxy.errors import KeyringUnavailable, StoreError
    from redactproxy.keys import KeyStore

    known = KnownSecrets()
    known.add_env_files(root)
    known.add_credential_files(Path.home())
    try:
        for value in KeyStore().stored_key_values():
            known.add(value, "keyring")
    except (KeyringUnavailable, StoreError):
        pass
    return known if len(known) else None


def _redact(args: argparse.Namespace) -> int:
    from redactproxy.config import load_project
    from redactproxy.detect.engine import Engine
    from redactproxy.projects import project_id
    from redactproxy.redact import redact_text

    root = (args.project or Path.cwd()).resolve()
    text = _read(args)
    cfg = load_project(root, nlp=not args.no_nlp, known=_known(root))
    findings = Engine(cfg.spec).analyze(text)
    vault, persistent = _vault()
    scope = project_id(root)
    try:
        out, applied = redact_text(text, findings,
                                   lambda entity, value: vault.placeholder(scope, entity, value))
    except RefusedRequest as e:
        raise ConfigError(f"not redacted: {e} (its action is block: remove it first)") from None
    finally:
        vault.close()
    counts = Counter(a.finding.entity for a in applied)
    summary = (f"redacted {len(applied)} value(s): " + ", ".join(
        f"{n} {e}" for e, n in counts.most_common())) if applied else "nothing to redact"
    if applied and not persistent:
        summary += ("; warning: no usable keyring, so the vault is in memory only and "
                    "`restore` will not know these placeholders")
    _write(args, out, summary)
    return 0


def _restore(args: argparse.Namespace) -> int:
    from redactproxy.projects import project_id
    from redactproxy.restore import restore_text

    root = (args.project or Path.cwd()).resolve()
    text = _read(args)
    vault, persistent = _vault()
    if not persistent:
        vault.close()
        raise ConfigError("restore: no usable keyring, so there is no persistent vault to "
                          "read placeholders from (see README, Provider keys)")
    scope = project_id(root)
    try:
        out, n = restore_text(text, lambda ph: vault.lookup(scope, ph))
    finally:
        vault.close()
    _write(args, out, f"restored {n} placeholder(s)")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", default="-", metavar="FILE",
                   help="text to read, or - for standard input (default)")
    p.add_argument("--clipboard", action="store_true",
                   help="read the system clipboard and put the result back in it")
    p.add_argument("--project", type=Path, default=None, metavar="DIR",
                   help="project whose rules and placeholder numbering apply (default: .)")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``redact`` and ``restore`` commands."""
    p = subparsers.add_parser(
        "redact", help="print text with placeholders, safe to paste into a web chat",
        description="Replace secrets and personal data with the proxy's placeholders.")
    _common(p)
    p.add_argument("--no-nlp", action="store_true",
                   help="rule packs only, no NER (fast, no model load)")
    p.set_defaults(func=_redact)
    p = subparsers.add_parser(
        "restore", help="put the real values back into text holding placeholders",
        description="Replace the proxy's placeholders with the values they stand for.")
    _common(p)
    p.set_defaults(func=_restore)

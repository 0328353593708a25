"""``redactproxy start``: run mitmproxy in-process with the redaction addon.

Options are a contract other tools script against: keep their names.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from redactproxy.errors import ConfigError
from redactproxy.home import home_dir
from redactproxy.resolve import parse_resolve

__all__ = ["register"]

log = logging.getLogger("redactproxy")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("start", help="start the proxy",
                       description="Start the redacting proxy (forward proxy, and gateways "
                                   "for --upstream).")
    p.add_argument("--listen-host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, loopback only)")
    p.add_argument("--listen-port", type=int, default=8080,
                   help="forward-proxy port (default: 8080)")
    p.add_argument("--project", type=Path, default=None,
                   help="default project directory for rule files (default: current dir)")
    p.add_argument("--upstream", action="append", default=[], metavar="URL[@PORT]",
                   help="gateway mode: a reverse proxy to URL; clients use "
                        "http://127.0.0.1:PORT as base URL (default PORT: listen-port + 1, "
                        "+2, ...). Repeatable.")
    p.add_argument("--no-forward", action="store_true",
                   help="run only the --upstream gateways, no forward proxy")
    p.add_argument("--resolve", action="append", default=[], metavar="HOST:PORT=ADDR:PORT",
                   help="send HOST:PORT's traffic to ADDR:PORT, keeping Host and SNI "
                        "(repeatable)")
    p.add_argument("--upstream-ca", type=Path, default=None, metavar="FILE",
                   help="extra CA (PEM) trusted for upstream TLS; verification stays on")
    p.add_argument("--no-ui", action="store_true",
                   help="print one log line per request instead of the live view")
    p.add_argument("--no-nlp", action="store_true",
                   help="patterns and rules only, no named-entity recognition")
    p.add_argument("--allow-anonymous", action="store_true",
                   help="serve clients without the per-install secret in the proxy URL "
                        "(any local user can then use the proxy and its vault)")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="seconds a request may wait for analysis before it is refused")
    p.add_argument("--store", default=None, metavar="URL",
                   help="where the vault and audit store live: postgresql://USER@HOST/DB "
                        "for a team gateway shared by replicas (vault key from "
                        "REDACTPROXY_VAULT_KEY or REDACTPROXY_VAULT_KEY_FILE), or sqlite "
                        "(default: [store] url in the user file, else SQLite files)")
    p.add_argument("--require-tokens", action="store_true",
                   help="admit only requests carrying a developer token where the API key "
                        "goes (`redactproxy tokens create NAME`); implied when --listen-host "
                        "is beyond loopback")
    p.add_argument("--tls-cert", type=Path, default=None, metavar="FILE",
                   help="serve the gateways over HTTPS with this certificate (PEM, chain "
                        "first); needs --tls-key. Plain HTTP is then refused.")
    p.add_argument("--tls-key", type=Path, default=None, metavar="FILE",
                   help="private key (PEM) of --tls-cert")
    p.set_defaults(func=run)


def _modes(args: argparse.Namespace) -> tuple[list[str], list[str], list[str]]:
    """mitmproxy modes, what to show for each, and ``PORT=/prefix`` of gateways whose
    upstream URL has a path (``https://relay.example/openai``): mitmproxy's reverse mode
    takes an origin only, so the gateway adds the prefix to each request path itself."""
    host, port = args.listen_host, args.listen_port
    modes: list[str] = []
    shown: list[str] = []
    prefixes: list[str] = []
    if not args.no_forward:
        modes.append(f"regular@{host}:{port}")
        shown.append(f"http://{host}:{port} (forward proxy)")
    next_port = port if args.no_forward else port + 1
    for spec in args.upstream:
        url, at, gport = spec.rpartition("@") if "@" in spec.split("://", 1)[-1] else (spec, "", "")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"--upstream {spec!r}: must be an http:// or https:// URL")
        if at and not gport.isdigit():
            raise ConfigError(f"--upstream {spec!r}: the port after @ must be a number")
        if at:
            gp = int(gport)
        else:
            gp, next_port = next_port, next_port + 1
        scheme, _, rest = url.partition("://")
        origin, _, prefix = rest.partition("/")
        if not origin:
            raise ConfigError(f"--upstream {spec!r}: no host name")
        if prefix.strip("/"):
            prefixes.append(f"{gp}=/{prefix.strip('/')}")
        modes.append(f"reverse:{scheme}://{origin}@{host}:{gp}")
        # With --tls-cert the gateway speaks TLS (plain HTTP gets only /healthz and a refusal).
        listen_scheme = "https" if args.tls_cert is not None else "http"
        shown.append(f"{listen_scheme}://{host}:{gp} (gateway to {url})")
    if not modes:
        raise ConfigError("nothing to run: --no-forward needs at least one --upstream")
    return modes, shown, prefixes


def run(args: argparse.Namespace) -> int:
    """Start the proxy and block until interrupted."""
    for spec in args.resolve:
        try:
            parse_resolve(spec)
        except ValueError as e:
            raise ConfigError(str(e)) from None
    modes, shown, prefixes = _modes(args)
    from redactproxy.memtrace import start_from_env
    from redactproxy.stores.location import open_stores

    start_from_env("proxy")  # off unless REDACTPROXY_TRACEMALLOC is set (debugging growth)
    from redactproxy.caps import caps_from_env

    try:
        caps_from_env()
    except ValueError as e:
        raise ConfigError(f"{e} (environment)") from None
    from redactproxy.heap import start_trimming

    start_trimming()  # freed memory back to the system: RSS follows what is held

    stores = open_stores(args.store)
    try:
        _check_access(args, stores)
        return asyncio.run(_serve(args, modes, shown, prefixes, stores))
    finally:
        stores.close()


def _beyond_loopback(host: str) -> bool:
    import ipaddress

    if host in ("localhost", "localhost.localdomain"):
        return False
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return True  # a name: it resolves to some interface, not necessarily loopback


def _check_access(args: argparse.Namespace, stores: Any) -> None:
    """Refuse to listen beyond loopback without tokens, or a TLS half-configured."""
    from redactproxy.errors import StoreError

    if (args.tls_cert is None) != (args.tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together (start)")
    for f in (args.tls_cert, args.tls_key):
        if f is not None and not f.is_file():
            raise ConfigError(f"no such file: {f} (--tls-cert/--tls-key)")
    if not _beyond_loopback(args.listen_host):
        return
    where = f"--listen-host {args.listen_host}"
    if not args.no_forward:
        raise ConfigError(f"a forward proxy beyond loopback would relay anyone's traffic: "
                          f"run only gateways there (--no-forward --upstream URL) ({where})")
    try:
        active = stores.tokens().count_active()
    except StoreError as e:
        raise ConfigError(f"cannot read the developer tokens: {e} ({where})") from None
    if active == 0:
        raise ConfigError(f"listening beyond loopback needs per-developer tokens and none "
                          f"exist in {stores.where}: create one with `redactproxy tokens "
                          f"create NAME` ({where})")
    args.require_tokens = True


def _tls_bundle(cert: Path, key: Path) -> Path:
    """Write cert + key into one 0600 file under the home (mitmproxy's ``certs`` format)."""
    from redactproxy.home import secure_file

    path = home_dir() / "gateway-tls.pem"
    try:
        data = cert.read_text(encoding="ascii").strip() + "\n" + key.read_text(
            encoding="ascii").strip() + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="ascii") as f:
            f.write(data)
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the TLS certificate or key: {e} (--tls-cert)") from None
    secure_file(path)
    return path


def _shared(stores: Any) -> tuple[Any, Any, Any, bytes]:
    """Open the shared vault, audit store and links, or say why not (``ConfigError``)."""
    from redactproxy.errors import StoreError
    from redactproxy.stores.buffered import BufferedEvidence
    from redactproxy.stores.location import KEY_ENV, KEY_FILE_ENV, vault_key

    try:
        key, _ = vault_key()
    except StoreError as e:
        raise ConfigError(str(e)) from None
    if key is None:
        raise ConfigError(f"a shared store needs the vault key: set {KEY_ENV} or "
                          f"{KEY_FILE_ENV} (32 bytes of base64, the same on every replica) "
                          f"({stores.where})")
    try:
        return stores.vault(key), BufferedEvidence(stores.audit()), stores.links(), key
    except StoreError as e:
        raise ConfigError(f"cannot open the shared store: {e}") from None


async def _serve(args: argparse.Namespace, modes: list[str], shown: list[str],
                 prefixes: list[str], stores: Any) -> int:
    from mitmproxy import exceptions
    from mitmproxy.options import Options
    from mitmproxy.tools.dump import DumpMaster

    from redactproxy.addon import RedactProxy
    from redactproxy.ca import confdir, ensure_ca, upstream_bundle
    from redactproxy.sinks import make_sinks

    home = home_dir()
    ensure_ca()
    vault = links = key = None
    if stores.shared:
        vault, audit, links, key = _shared(stores)
    else:  # the local SQLite store, written beside the event loop as a shared one is
        from redactproxy.audit import AuditStore
        from redactproxy.stores.buffered import BufferedEvidence

        audit = BufferedEvidence(AuditStore())
    ui, sinks = make_sinks(no_ui=args.no_ui, listen=shown,
                           project=str((args.project or Path.cwd()).resolve()), audit=audit)
    opts = Options()
    master = DumpMaster(opts, with_termlog=False, with_dumper=False)
    ready = asyncio.get_running_loop().create_future()

    def on_ready(addon: RedactProxy) -> None:
        if not ready.done():
            ready.set_result(addon)

    addon = RedactProxy(sinks, on_ready=on_ready, vault=vault, vault_key=key, links=links)
    # The writer thread says at once when the store fails: refuse traffic.
    audit.on_failure = lambda reason: setattr(addon, "store_error", reason)
    from redactproxy.keys import KeyStore
    from redactproxy.proxy.access import TeamAccess
    from redactproxy.proxy.health import Health
    from redactproxy.proxy.owner import OwnerOnly

    access = TeamAccess(stores.tokens, KeyStore().standin_for)
    # The owner check first: it reads Proxy-Authorization before the main addon strips it.
    master.addons.add(OwnerOnly(), Health(addon, audit), access, addon)
    update: dict[str, Any] = dict(
        mode=modes, confdir=str(confdir()), listen_host=args.listen_host,
        redact_project=str(args.project or Path.cwd()), redact_resolve=args.resolve,
        redact_nlp=not args.no_nlp, redact_timeout=args.timeout,
        redact_gateway_prefix=prefixes,
        redact_anonymous=args.allow_anonymous,
        connection_strategy="lazy",
    )
    if args.require_tokens:
        update["redact_require_tokens"] = True
    if args.tls_cert is not None:
        update["certs"] = [f"*={_tls_bundle(args.tls_cert, args.tls_key)}"]
        update["redact_tls_only"] = True
    if args.upstream_ca is not None:
        update["ssl_verify_upstream_trusted_ca"] = str(upstream_bundle(args.upstream_ca))
    try:
        master.options.update(**update)
    except exceptions.OptionsError as e:
        raise ConfigError(str(e)) from None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, master.shutdown)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass
    runner = asyncio.ensure_future(master.run())
    done, _ = await asyncio.wait({runner, ready}, return_when=asyncio.FIRST_COMPLETED)
    if runner in done:
        exc = runner.exception()
        if exc is not None:
            raise ConfigError(f"cannot start the proxy: {exc}") from None
        return 1
    state = {"pid": os.getpid(), "listen_host": args.listen_host,
             "listen_port": None if args.no_forward else args.listen_port, "modes": modes}
    (home / "proxy.json").write_text(json.dumps(state), encoding="utf-8")
    ui.ready(addon, shown)
    try:
        await runner
    finally:
        ui.stop()
        audit.close()  # write what is still queued
        try:
            (home / "proxy.json").unlink()
        except OSError:
            pass
    return 0


def main() -> None:  # pragma: no cover - convenience for `python -m redactproxy.commands.start`
    from redactproxy.cli import main as cli_main

    sys.exit(cli_main(["start", *sys.argv[1:]]))

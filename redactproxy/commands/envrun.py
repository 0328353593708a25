"""``redactproxy env`` and ``redactproxy run``: point every client at the proxy.

The environment makes Python (httpx, requests), Node, curl and git use the proxy and trust
its CA. The proxy URL's user name carries the project id, so one running proxy applies
each project's own rule files, and its password the inspect choice of ``run`` (``run``:
decrypt every host, scan what looks like an AI call, unless the rule files say otherwise;
``ai``/``all``: ``run --inspect``; ``x``: the rule files, default ``ai``). Stored provider
keys are replaced by local stand-ins. Relays the tools are configured with are discovered
in the environment handed to them and recorded for the proxy (``redactproxy.relays``).
The password ends in ``.<secret>``, the per-install secret without which the proxy serves
nobody (``redactproxy.proxy.owner``): ``http://<project-id>:<inspect>.<secret>@host:port``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from redactproxy.errors import ConfigError
from redactproxy.home import home_dir, proxy_secret

__all__ = ["build_env", "register_env", "register_run"]

_LOOPBACK = "localhost,127.0.0.1,::1"


def _proxy_address(port: int | None) -> tuple[str, int]:
    if port is not None:
        return "127.0.0.1", port
    try:
        state = json.loads((home_dir() / "proxy.json").read_text(encoding="utf-8"))
        if state.get("listen_port"):
            host = state.get("listen_host") or "127.0.0.1"
            return ("127.0.0.1" if host in ("0.0.0.0", "::") else host), int(state["listen_port"])
    except (OSError, ValueError):
        pass
    return "127.0.0.1", 8080


def _standins() -> dict[str, str]:
    """Stand-ins for stored provider keys (empty without a usable keyring)."""
    try:
        from redactproxy.keys import KeyStore

        store = KeyStore()
        return {k.env_var: k.standin for k in store.list() if k.env_var and k.standin}
    except Exception:  # noqa: BLE001 - no keyring: no stand-ins, the rest still works
        return {}


def build_env(project: Path, port: int | None = None, inspect: str = "x") -> dict[str, str]:
    """The variables that route a process's AI traffic through the proxy for ``project``.

    Args:
        project: Project directory (its rule files apply).
        port: Proxy port (default: the running proxy's, else 8080).
        inspect: Proxy password: ``run`` (``run``'s default), ``ai``/``all`` (forced), or
            ``x`` (the rule files decide, default ``ai``).
    """
    from redactproxy.ca import client_bundle, ensure_ca
    from redactproxy.projects import register

    pid = register(project)
    host, port = _proxy_address(port)
    url = f"http://{pid}:{inspect}.{proxy_secret()}@{host}:{port}"
    bundle = str(client_bundle())
    env = {
        "HTTPS_PROXY": url, "https_proxy": url, "HTTP_PROXY": url, "http_proxy": url,
        "NO_PROXY": _LOOPBACK, "no_proxy": _LOOPBACK,
        "SSL_CERT_FILE": bundle, "REQUESTS_CA_BUNDLE": bundle, "CURL_CA_BUNDLE": bundle,
        "GIT_SSL_CAINFO": bundle, "NODE_EXTRA_CA_CERTS": str(ensure_ca()),
        "REDACTPROXY_PROJECT": pid,
    }
    env.update(_standins())
    return env


def _record_relays(project: Path, child_env: dict[str, str]) -> None:
    """Tell the proxy which relays the tools started with ``child_env`` are configured for."""
    from redactproxy.projects import project_id
    from redactproxy.relays import discover, record_client_relays

    found = discover(child_env, project, Path.home())
    for warning in found.warnings:
        print(f"redactproxy: warning: {warning}", file=sys.stderr)
    try:
        record_client_relays(project_id(project), found)
    except OSError as e:
        print(f"redactproxy: warning: cannot record discovered relays ({e})", file=sys.stderr)


def _render(env: dict[str, str], shell: str) -> str:
    if shell == "fish":
        return "\n".join(f"set -gx {k} {shlex.quote(v)};" for k, v in env.items())
    if shell == "powershell":
        return "\n".join(f"$env:{k} = '{v.replace(chr(39), chr(39) * 2)}'"
                         for k, v in env.items())
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in env.items())


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", type=Path, default=None,
                   help="project whose rule files apply (default: current directory)")
    p.add_argument("--port", type=int, default=None,
                   help="proxy port (default: the running proxy's, else 8080)")


def register_env(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("env", help="print the environment that routes tools through the proxy",
                       description='Print shell commands; use: eval "$(redactproxy env)"')
    p.add_argument("--shell", choices=("sh", "fish", "powershell"), default="sh")
    _common(p)
    p.set_defaults(func=_env)


def register_run(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("run", help="run a command with its AI traffic going through the proxy",
                       description="Run CMD with the proxy environment; exits with CMD's code.")
    _common(p)
    p.add_argument("--inspect", choices=("ai", "all"), default=None,
                   help="ai: decrypt only AI hosts and discovered relays; all: decrypt every "
                        "host and scan what looks like an AI call (default: the rule files' "
                        "[proxy] inspect, else all)")
    p.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD ...")
    p.set_defaults(func=_run)


def _env(args: argparse.Namespace) -> int:
    project = (args.project or Path.cwd()).resolve()
    env = build_env(project, args.port)
    _record_relays(project, {**os.environ, **env})
    print(_render(env, args.shell))
    return 0


def _run(args: argparse.Namespace) -> int:
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise ConfigError("run: no command given (usage: redactproxy run -- CMD ...)")
    project = (args.project or Path.cwd()).resolve()
    host, port = _proxy_address(args.port)
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        raise ConfigError(f"run: no proxy is listening on {host}:{port}; start it first with "
                          "`redactproxy start`") from None
    env = {**os.environ, **build_env(project, args.port, args.inspect or "run")}
    _record_relays(project, env)
    try:
        return subprocess.call(cmd, env=env)
    except FileNotFoundError:
        raise ConfigError(f"run: command not found: {cmd[0]}") from None
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)

"""Is protection really on? One check per fact, each ok / warn / fail with the fix.

``redactproxy doctor`` runs ``run_checks()`` and prints one line per ``Check``. Every check
looks at the real thing (a TCP connect to the proxy, the certificates inside the bundle a
variable names, the keyring answering, the model loading, the rule files parsing); none of
them changes anything (beyond creating the empty data directory).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

__all__ = ["Check", "Status", "proxy_address", "run_checks"]

Status = Literal["ok", "warn", "fail"]
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"}
_ENV_FIX = 'eval "$(redactproxy env)"  (or: redactproxy run -- <tool>)'
#: Variables ``env`` sets that name a CA file, and who reads them.
CA_VARIABLES = (
    ("SSL_CERT_FILE", "Python (ssl, httpx)"),
    ("REQUESTS_CA_BUNDLE", "Python requests"),
    ("CURL_CA_BUNDLE", "curl"),
    ("GIT_SSL_CAINFO", "git"),
    ("NODE_EXTRA_CA_CERTS", "Node"),
)


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check.

    Args:
        name: Short id (``proxy``, ``https_proxy``, ``ca:SSL_CERT_FILE``...).
        status: ``ok``, ``warn`` (protection on, something to know) or ``fail``.
        message: What was found.
        fix: What to do about it (empty when ok).
    """

    name: str
    status: Status
    message: str
    fix: str = ""

    def line(self) -> str:
        """One line for the terminal."""
        text = f"{self.status:<4}  {self.name:<22} {self.message}"
        return f"{text}; fix: {self.fix}" if self.fix and self.status != "ok" else text

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return asdict(self)


def proxy_address(home: Path) -> tuple[str, int, int | None]:
    """Where the proxy listens, from ``proxy.json`` (else 127.0.0.1:8080), and its pid."""
    try:
        state = json.loads((home / "proxy.json").read_text(encoding="utf-8"))
        host = state.get("listen_host") or "127.0.0.1"
        host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        return host, int(state["listen_port"]), state.get("pid")
    except (OSError, ValueError, KeyError, TypeError):
        return "127.0.0.1", 8080, None


def _shell_proxy(env: Mapping[str, str]) -> tuple[str, int] | None:
    """The loopback address ``HTTPS_PROXY`` names, if any."""
    url = env.get("HTTPS_PROXY") or env.get("https_proxy")
    if not url:
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.hostname in _LOOPBACK and parts.port:
        return parts.hostname, parts.port
    return None


def check_proxy(host: str, port: int, pid: int | None) -> Check:
    """The proxy accepts connections."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return Check("proxy", "fail", f"nothing listens on {host}:{port}",
                     "start it: redactproxy start (or keep it running: redactproxy service "
                     "install)")
    who = f" (pid {pid})" if pid else ""
    return Check("proxy", "ok", f"listening on {host}:{port}{who}")


def _no_proxy_bypasses(no_proxy: str, hosts: Iterable[str]) -> list[str]:
    """The hosts among ``hosts`` that ``no_proxy`` sends around the proxy (curl's rules)."""
    raw = [e.strip().lower() for e in no_proxy.split(",")]
    if "*" in raw:
        return list(hosts)
    entries = [e.lstrip("*").lstrip(".") for e in raw]
    out = []
    for host in hosts:
        h = host.lower().lstrip("*").lstrip(".")
        if any(e and (h == e or h.endswith("." + e)) for e in entries):
            out.append(host)
    return out


def check_shell_env(env: Mapping[str, str], host: str, port: int,
                    ai_hosts: Iterable[str]) -> list[Check]:
    """``HTTPS_PROXY`` points at the proxy and ``NO_PROXY`` does not bypass an AI host."""
    url = env.get("HTTPS_PROXY") or env.get("https_proxy")
    if not url:
        checks = [Check("https_proxy", "fail", "HTTPS_PROXY is not set in this shell: its "
                        "tools talk to AI APIs directly", _ENV_FIX)]
    else:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        same_host = parts.hostname == host or (parts.hostname in _LOOPBACK and host in _LOOPBACK)
        if same_host and parts.port == port:
            checks = [Check("https_proxy", "ok", f"HTTPS_PROXY points at {host}:{port}")]
        else:
            checks = [Check("https_proxy", "fail", f"HTTPS_PROXY points at "
                            f"{parts.hostname}:{parts.port}, the proxy listens on {host}:{port}",
                            _ENV_FIX)]
    no_proxy = env.get("NO_PROXY") or env.get("no_proxy") or ""
    bypassed = _no_proxy_bypasses(no_proxy, ai_hosts)
    if bypassed:
        shown = ", ".join(bypassed[:4]) + (f" and {len(bypassed) - 4} more"
                                             if len(bypassed) > 4 else "")
        checks.append(Check("no_proxy", "fail", f"NO_PROXY sends {shown} around the proxy",
                            "remove those entries from NO_PROXY (redactproxy env sets "
                            "localhost,127.0.0.1,::1)"))
    else:
        checks.append(Check("no_proxy", "ok", "NO_PROXY bypasses no AI host"))
    return checks


def _certs(path: Path) -> list[bytes]:
    """DER of every certificate in a PEM file (empty if unreadable)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        data = path.read_bytes()
        return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(data)]
    except (OSError, ValueError):
        return []


def check_ca(ca: Path, env: Mapping[str, str], system_bundles: Iterable[Path]) -> list[Check]:
    """The CA file exists and each CA variable (and the system store) holds it."""
    mine = _certs(ca)
    if not mine:
        return [Check("ca", "fail", f"no proxy CA at {ca}", "run redactproxy start once (it "
                      "creates the CA), then " + _ENV_FIX)]
    ca_der = mine[0]
    checks = [Check("ca", "ok", f"proxy CA at {ca}")]
    for var, who in CA_VARIABLES:
        value = env.get(var)
        name = f"ca:{var}"
        if not value:
            checks.append(Check(name, "warn", f"{var} is not set: {who} trusts only its "
                                "default store", _ENV_FIX + ", or: redactproxy ca install"))
        elif not Path(value).is_file():
            checks.append(Check(name, "fail", f"{var}={value} does not exist ({who} fails "
                                "every TLS connection)", _ENV_FIX))
        elif ca_der in _certs(Path(value)):
            checks.append(Check(name, "ok", f"{who} trusts the proxy CA ({value})"))
        else:
            checks.append(Check(name, "fail", f"{var}={value} does not hold the proxy CA: {who} "
                                "will reject the proxy", _ENV_FIX))
    bundle = next((b for b in system_bundles if b.is_file()), None)
    if bundle is None:
        checks.append(Check("ca:system", "warn", "no system trust bundle found",
                            "redactproxy ca install"))
    elif ca_der in _certs(bundle):
        checks.append(Check("ca:system", "ok", f"the system trust store holds the proxy CA "
                            f"({bundle})"))
    else:
        checks.append(Check("ca:system", "warn", "the system trust store does not hold the "
                            "proxy CA: tools that ignore CA variables (Go, Rust, Java) will "
                            "reject the proxy", "redactproxy ca install"))
    return checks


def check_keyring() -> list[Check]:
    """A secure OS keyring answers, and the vault key is in it (vault persistent)."""
    from redactproxy.errors import KeyringUnavailable, StoreError
    from redactproxy.keys import KeyStore, secure_backend

    try:
        backend = secure_backend()
    except KeyringUnavailable as e:
        return [Check("keyring", "warn", f"no usable keyring: {e}; stored keys are unavailable "
                      "and the vault lives in memory only (placeholders lost on restart)",
                      "see README, Provider keys")]
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    try:
        has_vault = KeyStore(backend).has_vault_key()
    except (KeyringUnavailable, StoreError) as e:
        return [Check("keyring", "fail", f"{name} does not answer: {e}", "unlock the keyring")]
    checks = [Check("keyring", "ok", f"{name}")]
    if has_vault:
        checks.append(Check("vault", "ok", "persistent (vault key in the keyring)"))
    else:
        checks.append(Check("vault", "warn", "no vault key yet: it is created when the proxy "
                            "starts with this keyring", "start the proxy from this session"))
    return checks


def check_rotation() -> list[Check]:
    """Stored provider keys older than the rotation age."""
    from redactproxy.credentials import ROTATE_AFTER
    from redactproxy.errors import KeyringUnavailable, StoreError
    from redactproxy.keys import KeyStore

    try:
        stored = KeyStore().list()
    except (KeyringUnavailable, StoreError):
        return []
    stale = [k for k in stored if k.is_stale()]
    if not stored:
        return [Check("keys", "ok", "no provider keys stored")]
    if not stale:
        return [Check("keys", "ok", f"{len(stored)} stored key(s), none older than "
                      f"{ROTATE_AFTER.days} days")]
    return [Check(f"keys:{k.provider}", "warn", f"{k.provider} key is {k.age().days} days old",
                  f"rotate it: redactproxy keys set {k.provider}") for k in stale]


def check_rules(roots: Iterable[Path]) -> tuple[list[Check], list[str]]:
    """Every rule file (packs, user file, each project's) loads; returns extra AI hosts too."""
    from redactproxy.config import PROJECT_FILE, load_project, user_config_path
    from redactproxy.detect.engine import Engine
    from redactproxy.errors import ConfigError

    checks: list[Check] = []
    hosts: list[str] = []
    bad = False
    seen: set[Path] = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        try:
            cfg = load_project(root, nlp=False)
            Engine(replace(cfg.spec, nlp=False))  # compiles the packs and every rule
        except (ConfigError, ValueError) as e:
            bad = True
            checks.append(Check("rules", "fail", str(e),
                                "fix the file, then: redactproxy rules check "
                                f"{root / PROJECT_FILE}"))
            continue
        hosts.extend(h for h in cfg.hosts if h not in hosts)
    if not bad:
        files = [user_config_path()] + [r / PROJECT_FILE for r in seen]
        n = sum(1 for f in files if f.is_file())
        checks.append(Check("rules", "ok", f"built-in packs and {n} rule file(s) valid"))
    return checks, hosts


def check_model(model: str) -> Check:
    """The NER model loads (in a child process: it takes ~1 s and 150 MB)."""
    code = ("import sys; from redactproxy.detect.nlp import NlpDetector; "
            "NlpDetector(sys.argv[1]).analyze('Jane Roe lives in Paris.')")
    r = subprocess.run([sys.executable, "-c", code, model], capture_output=True, text=True,
                       timeout=300)
    if r.returncode == 0:
        return Check("ner", "ok", f"model {model} loads")
    last = (r.stderr.strip().splitlines() or ["no output"])[-1]
    return Check("ner", "fail", f"model {model} does not load: {last}",
                 f"install it (pip install {model.replace('_', '-')}), or set [detect] "
                 "nlp_model / nlp = false in the rule file")


def check_interception(extra_hosts: list[str],
                       discover: Callable[[], list[str]] | None = None) -> Check:
    """Which hosts the proxy will intercept: built-in, rule files, discovered relays."""
    from redactproxy.hosts import PROVIDERS

    builtin = sum(len(p.hosts) for p in PROVIDERS)
    relays = discover() if discover else []
    parts = [f"{builtin} built-in AI hosts"]
    if extra_hosts:
        parts.append("rule files add " + ", ".join(extra_hosts))
    if relays:
        parts.append("discovered relays " + ", ".join(relays))
    return Check("intercept", "ok", "; ".join(parts))


def _discover_relays(env: Mapping[str, str], project: Path) -> list[str]:
    """Relays the relay discovery module (issue 9: ``redactproxy/relays.py``) finds in the
    environment and the tools' settings, as ``host (from where)``; empty until it exists."""
    try:
        from redactproxy import relays  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return []
    discover = getattr(relays, "discover", None)
    if not callable(discover):
        return []
    found = discover(env, project, Path.home())
    return [f"{f.host} (from {f.where})" for f in getattr(found, "found", [])]


def run_checks(env: Mapping[str, str] | None = None, project: Path | None = None, *,
               nlp: bool = True) -> list[Check]:
    """Run every check for the shell environment ``env`` and the project ``project``."""
    from redactproxy.ca import CA_NAME, confdir
    from redactproxy.config import load_project
    from redactproxy.errors import ConfigError
    from redactproxy.home import home_dir
    from redactproxy.hosts import PROVIDERS
    from redactproxy.projects import registered

    env = os.environ if env is None else env
    project = (project or Path.cwd()).resolve()
    home = home_dir()
    host, port, pid = proxy_address(home)
    if pid is None:  # no proxy.json: no proxy started from this home; check where the shell points
        host, port = _shell_proxy(env) or (host, port)
    checks = [check_proxy(host, port, pid)]
    rule_checks, extra_hosts = check_rules(
        [project, *(p for p in registered().values() if p.is_dir())])
    ai_hosts = [h for p in PROVIDERS for h in p.hosts] + extra_hosts
    checks += check_shell_env(env, host, port, ai_hosts)
    checks += check_ca(confdir() / f"{CA_NAME}-ca-cert.pem", env,
                       [Path(p) for p in ("/etc/ssl/certs/ca-certificates.crt",
                                          "/etc/pki/tls/certs/ca-bundle.crt",
                                          "/etc/ssl/cert.pem")])
    checks += check_keyring()
    checks += rule_checks
    if nlp:
        try:
            spec = load_project(project, nlp=True).spec
            if spec.nlp:
                checks.append(check_model(spec.nlp_model))
        except ConfigError:
            pass  # already reported by the rules check
    checks.append(check_interception(extra_hosts, lambda: _discover_relays(env, project)))
    checks += check_rotation()
    return checks

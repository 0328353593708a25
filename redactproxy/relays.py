"""Relay discovery: the API base URLs the user's tools are configured with.

Developers reach relay platforms by pointing a tool's base URL at them, so the hosts worth
intercepting are already written down: in environment variables the SDKs read, in the
coding agents' own settings files, and in the project's ``.env`` files. ``discover`` reads
them (no network, no mitmproxy) and returns each host with where it was found; the proxy
intercepts those hosts like built-in ones, and ``start``, the live view and ``doctor`` show
where each came from.

Only host names leave this module: a base URL may carry a key in its query or user info.
A file that cannot be parsed gives one warning naming it; discovery never raises.

Where each tool keeps its base URL (checked against the tools' own docs):

- SDK environment variables: ``OPENAI_BASE_URL``, ``OPENAI_API_BASE`` (older SDKs, aider,
  LiteLLM), ``ANTHROPIC_BASE_URL``, ``GOOGLE_GEMINI_BASE_URL`` (Gemini CLI),
  ``AZURE_OPENAI_ENDPOINT``, and ``<PROVIDER>_BASE_URL`` / ``<PROVIDER>_API_BASE`` for each
  provider in ``hosts.py`` (``DEEPSEEK_BASE_URL``, ``OPENROUTER_BASE_URL``...).
- Claude Code: ``~/.claude/settings.json`` (or ``$CLAUDE_CONFIG_DIR``), the project's
  ``.claude/settings.json`` and ``.claude/settings.local.json``: their ``env`` block.
- Codex CLI: ``$CODEX_HOME/config.toml`` (default ``~/.codex``) and the project's
  ``.codex/config.toml``: ``openai_base_url``, ``chatgpt_base_url``,
  ``model_providers.<id>.base_url`` (also inside ``profiles``).
- Gemini CLI: ``~/.gemini/settings.json``, ``.gemini/settings.json``, and the ``.env``
  files under ``~/.gemini`` and ``.gemini``.
- Qwen Code: ``~/.qwen/settings.json``, ``.qwen/settings.json`` (``env`` block and
  ``modelProviders.*[].baseUrl``; comments allowed), ``.qwen/.env`` files.
- aider: ``.aider.conf.yml`` in the home and project directories (``openai-api-base``,
  ``anthropic-api-base``, ``set-env`` entries) and ``.env`` files.
- The project's ``.env`` and ``.env.*`` files, and ``~/.env``.

The proxy runs in its own process, so ``env`` and ``run`` record what they find in the
environment they hand to tools (``record_client_relays``) under the project id, in
``relays.json`` beside ``projects.json``; the proxy reads it back (``client_relays``).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from redactproxy.detect.known import parse_env_file
from redactproxy.home import home_dir, write_private_json
from redactproxy.hosts import PROVIDERS, host_matches, provider_for_host

__all__ = ["BASE_URL_VARS", "Discovery", "Found", "client_relays", "discover",
           "record_client_relays", "relays_for"]


def _provider_vars() -> tuple[str, ...]:
    names: list[str] = []
    for p in PROVIDERS:
        prefix = p.env_var.removesuffix("_API_KEY").removesuffix("_TOKEN")
        names += [f"{prefix}_BASE_URL", f"{prefix}_API_BASE"]
    return tuple(names)


#: Environment variables that hold an AI API base URL.
BASE_URL_VARS: tuple[str, ...] = tuple(dict.fromkeys((
    "OPENAI_BASE_URL", "OPENAI_API_BASE", "AIDER_OPENAI_API_BASE",
    "ANTHROPIC_BASE_URL", "ANTHROPIC_API_BASE", "ANTHROPIC_BEDROCK_BASE_URL",
    "ANTHROPIC_VERTEX_BASE_URL", "GOOGLE_GEMINI_BASE_URL", "GEMINI_BASE_URL",
    "GOOGLE_VERTEX_BASE_URL", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_BASE_URL",
    *_provider_vars(),
)))
_VARS = frozenset(BASE_URL_VARS)
#: Keys of JSON settings (Qwen ``modelProviders``) and TOML configs that hold a base URL.
_URL_KEYS = re.compile(r"(?i)^(?:base_?url|api_?base(?:_?url)?|openai_base_url|"
                       r"chatgpt_base_url)$")
_AIDER_KEYS = ("openai-api-base", "anthropic-api-base")


@dataclass(frozen=True, slots=True)
class Found:
    """One discovered AI API host.

    Args:
        host: Lower-case host name (no port).
        where: Where it was found, for people (``OPENAI_BASE_URL in the environment``,
            ``~/.claude/settings.json: env.ANTHROPIC_BASE_URL``).
    """

    host: str
    where: str


@dataclass(slots=True)
class Discovery:
    """What ``discover`` found: hosts (first place each was seen) and warnings."""

    found: list[Found] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def hosts(self, ignore: Iterable[str] = ()) -> tuple[str, ...]:
        """Discovered host names, minus those matching an ``ignore`` pattern."""
        patterns = tuple(ignore)
        return tuple(f.host for f in self.found
                     if not any(host_matches(f.host, p) for p in patterns))

    def lines(self) -> list[str]:
        """One line per host and warning, for start-up output and ``doctor``."""
        return ([f"relay {f.host} (from {f.where})" for f in self.found]
                + [f"warning: {w}" for w in self.warnings])

    def _add(self, url: Any, where: str) -> None:
        host = host_of(url)
        if host is None or provider_for_host(host) is not None:
            return  # not a URL, or a built-in host that is intercepted anyway
        if all(f.host != host for f in self.found):
            self.found.append(Found(host, where))

    def merge(self, other: Discovery) -> None:
        """Add ``other``'s hosts and warnings (first place seen wins)."""
        for f in other.found:
            if all(g.host != f.host for g in self.found):
                self.found.append(f)
        self.warnings += [w for w in other.warnings if w not in self.warnings]


def host_of(url: Any) -> str | None:
    """The host name of an ``http(s)://`` URL, lower-case, or None."""
    if not isinstance(url, str) or not url.strip().lower().startswith(("http://", "https://")):
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.rstrip(".") if host else None


def discover(env: Mapping[str, str], project: Path | None, home: Path | None) -> Discovery:
    """Find the AI API hosts the user's tools are configured with.

    Args:
        env: Environment variables (the proxy's, or the child ``run`` is about to start).
        project: Project directory (its ``.env``, ``.claude/``, ``.gemini/``...), or None.
        home: The user's home directory, or None to skip user-level files.
    """
    d = Discovery()
    for name in BASE_URL_VARS:
        if env.get(name):
            d._add(env[name], f"{name} in the environment")
    home_files: list[tuple[Path, str]] = []
    if home is not None:
        claude = Path(env["CLAUDE_CONFIG_DIR"]) if env.get("CLAUDE_CONFIG_DIR") else \
            home / ".claude"
        codex = Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else home / ".codex"
        home_files = [
            (claude / "settings.json", "json"), (codex / "config.toml", "toml"),
            (home / ".gemini" / "settings.json", "json"), (home / ".gemini" / ".env", "env"),
            (home / ".qwen" / "settings.json", "json"), (home / ".qwen" / ".env", "env"),
            (home / ".aider.conf.yml", "aider"), (home / ".env", "env"),
        ]
    project_files: list[tuple[Path, str]] = []
    if project is not None:
        project_files = [
            (project / ".claude" / "settings.json", "json"),
            (project / ".claude" / "settings.local.json", "json"),
            (project / ".codex" / "config.toml", "toml"),
            (project / ".gemini" / "settings.json", "json"),
            (project / ".gemini" / ".env", "env"),
            (project / ".qwen" / "settings.json", "json"), (project / ".qwen" / ".env", "env"),
            (project / ".aider.conf.yml", "aider"),
        ]
        project_files += [(p, "env") for p in _env_files(project)]
    for path, kind in project_files + home_files:
        _read(d, path, kind, _shown(path, home))
    return d


def _env_files(project: Path) -> list[Path]:
    try:
        paths = sorted(project.glob(".env*"))
    except OSError:
        return []
    return [p for p in paths if not p.name.endswith((".example", ".sample", ".template",
                                                     ".dist"))]


def _shown(path: Path, home: Path | None) -> str:
    """``~/.claude/settings.json`` rather than the full home path."""
    if home is not None:
        try:
            return "~/" + str(path.relative_to(home))
        except ValueError:
            pass
    return str(path)


def _read(d: Discovery, path: Path, kind: str, shown: str) -> None:
    try:
        if not path.is_file():
            return
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        d.warnings.append(f"{shown}: cannot read ({e.__class__.__name__}); relays it names "
                          "are not discovered")
        return
    try:
        if kind == "json":
            pairs = _json_urls(json.loads(_strip_jsonc(text)), "")
        elif kind == "toml":
            pairs = _json_urls(tomllib.loads(text), "")  # Codex: any depth
        elif kind == "aider":
            pairs = _aider_urls(text)
        else:
            pairs = ((k, v) for k, v in parse_env_file(text).items() if k in _VARS)
        for key, url in list(pairs):
            d._add(url, f"{shown}: {key}")
    except (ValueError, tomllib.TOMLDecodeError) as e:
        reason = str(e).splitlines()[0][:120]
        d.warnings.append(f"{shown}: cannot parse ({reason}); relays it names are not "
                          "discovered")


def _json_urls(node: Any, where: str) -> Iterator[tuple[str, Any]]:
    """``(key path, value)`` of every base-URL-like entry of a settings document."""
    if isinstance(node, dict):
        for k, v in node.items():
            key = f"{where}.{k}" if where else str(k)
            if isinstance(v, str) and (k in _VARS or _URL_KEYS.match(str(k))):
                yield key, v
            else:
                yield from _json_urls(v, key)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _json_urls(v, f"{where}[{i}]")


def _aider_urls(text: str) -> Iterator[tuple[str, str]]:
    """``openai-api-base: URL`` and ``set-env`` entries of an ``.aider.conf.yml``.

    aider's YAML is flat ``key: value`` lines plus lists; this reads those forms only
    (no YAML library is a dependency), which covers the keys that name a base URL.
    """
    in_set_env = False
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith((" ", "-", "\t")):
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"line {raw.strip()[:40]!r} is not 'key: value'")
            key, value = key.strip(), value.strip().strip("'\"")
            in_set_env = key == "set-env"
            if key in _AIDER_KEYS:
                yield key, value
            elif in_set_env and value.startswith("["):
                for item in value.strip("[]").split(","):
                    yield from _set_env(item)
        elif in_set_env:
            yield from _set_env(line.strip().removeprefix("-"))


def _set_env(item: str) -> Iterator[tuple[str, str]]:
    name, _, value = item.strip().strip("'\"").partition("=")
    if name.strip() in _VARS:
        yield f"set-env {name.strip()}", value.strip()


def _strip_jsonc(text: str) -> str:
    """Remove ``//`` and ``/* */`` comments outside strings (Qwen and Gemini allow them)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _registry() -> Path:
    return home_dir() / "relays.json"


def _read_registry() -> dict[str, Any]:
    try:
        data = json.loads(_registry().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_client_relays(pid: str, found: Discovery) -> None:
    """Record the relays ``env``/``run`` found for project ``pid`` (hosts and where only)."""
    data = _read_registry()
    entry = [{"host": f.host, "where": f.where} for f in found.found]
    if data.get(pid) == entry:
        return
    data[pid] = entry
    write_private_json(_registry(), data)


def client_relays(pid: str) -> Discovery:
    """The relays ``env``/``run`` recorded for project ``pid``."""
    d = Discovery()
    entries = _read_registry().get(pid)
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and isinstance(e.get("host"), str):
            d.found.append(Found(e["host"], f"{e.get('where', '?')} (redactproxy run/env)"))
    return d


def relays_for(project: Path, env: Mapping[str, str] | None = None,
               home: Path | None = None) -> Discovery:
    """Everything the proxy would discover for ``project`` (for ``doctor`` and the like):
    ``env`` (default: this process's), the project's and ``home``'s (default: the user's)
    tool configs, and what ``env``/``run`` recorded for the project."""
    from redactproxy.projects import project_id

    found = discover(os.environ if env is None else env, project,
                     Path.home() if home is None else home)
    found.merge(client_relays(project_id(project)))
    return found

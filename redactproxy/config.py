"""Rule files: ``.redactproxy.toml`` at a project's root, over a user-level file, over the packs.

Keys (a contract other tools use; extend, don't rename)::

    [proxy]    hosts = [...], blocked_hosts = [...], blocked_paths = [...],
               egress = "flag"|"block"  (AI-shaped requests to hosts not intercepted),
               ignore_hosts = [...]  (discovered relays not to intercept),
               inspect = "ai"|"all"  (decrypt every host, scan what looks like an AI call)
    [detect]   nlp_model = "...", nlp = true, packs = ["secrets", "pii", "cn"],
               recognizers_on = [...], recognizers_off = [...]  (Presidio's: ids, locales, all)
    [[rules]]  id, entity, pattern, keywords, validator, entropy, action, examples.*
    [terms]    deny = [...], allow = [...]
    [entities.<TYPE>]  action = "redact"|"mask"|"block"|"allow", min_score = 0.6
    [store]    url = "postgresql://..."  (user file only: where vault and audit store live)
    [restore]  secrets_in_tool_calls = "guarded"|"always"|"never", trusted_hosts = [...]

Every error is one line naming the file, the line and the key. ``ProjectConfig.stale()``
tells the proxy when a file changed so edits apply without a restart.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redactproxy.detect.base import ACTIONS
from redactproxy.detect.engine import DEFAULT_PACKS, DetectorSpec
from redactproxy.detect.recognizers import enabled
from redactproxy.detect.rules import parse_rule, read_toml, rule_header_lines
from redactproxy.errors import ConfigError
from redactproxy.home import home_dir
from redactproxy.toolguard import POLICIES

__all__ = ["PROJECT_FILE", "ProjectConfig", "load_project", "user_config_path"]

PROJECT_FILE = ".redactproxy.toml"
_SECTIONS = {"proxy": {"hosts", "blocked_hosts", "blocked_paths", "egress", "ignore_hosts",
                       "inspect"},
             "detect": {"nlp_model", "nlp", "packs", "recognizers_on", "recognizers_off"},
             "terms": {"deny", "allow"},
             "store": {"url"},  # user file only; read by redactproxy.stores.location
             "restore": {"secrets_in_tool_calls", "trusted_hosts"}}
_TOP = set(_SECTIONS) | {"rules", "entities"}


def user_config_path() -> Path:
    """The user-level rule file: ``REDACTPROXY_CONFIG`` or ``<REDACTPROXY_HOME>/config.toml``."""
    env = os.environ.get("REDACTPROXY_CONFIG")
    return Path(env).expanduser() if env else home_dir() / "config.toml"


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """The merged configuration of one project.

    Args:
        root: Project directory.
        name: Short name for people (the directory name).
        hosts: Extra AI hosts to intercept.
        ignore_hosts: Discovered relay hosts (patterns) not to intercept.
        inspect: ``ai`` or ``all`` if a rule file sets ``[proxy] inspect``, else None.
        blocked_hosts: Hosts whose requests are refused.
        blocked_paths: Path prefixes (or ``host/path`` prefixes) refused on AI hosts.
        spec: What the detector looks for.
        files: Rule files that were read, with their modification times.
        tool_secrets: ``[restore] secrets_in_tool_calls``: when a credential is restored
            into a tool call's arguments (``redactproxy.toolguard``).
        trusted_hosts: ``[restore] trusted_hosts``: destinations a credential may go to.
    """

    root: Path
    name: str
    hosts: tuple[str, ...] = ()
    blocked_hosts: tuple[str, ...] = ()
    blocked_paths: tuple[str, ...] = ()
    spec: DetectorSpec = field(default_factory=DetectorSpec)
    files: tuple[tuple[Path, float], ...] = ()
    packs: tuple[str, ...] = DEFAULT_PACKS
    egress: str = "flag"
    ignore_hosts: tuple[str, ...] = ()
    inspect: str | None = None
    tool_secrets: str = POLICIES[0]
    trusted_hosts: tuple[str, ...] = ()

    def stale(self) -> bool:
        """True if a rule file changed, appeared or disappeared since loading."""
        for path, mtime in self.files:
            if _mtime(path) != mtime:
                return True
        return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def _line_of(text: str, section: str, key: str | None = None) -> int:
    header = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]")
    keyre = re.compile(rf"^\s*{re.escape(key)}\s*=") if key else None
    in_section = False
    for n, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            if keyre is None:
                return n
            in_section = True
        elif in_section and keyre is not None and keyre.match(line):
            return n
        elif line.lstrip().startswith("["):
            in_section = False
    return 1


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: must be a list of non-empty strings")
    return tuple(value)


@dataclass(slots=True)
class _Merged:
    hosts: list[str] = field(default_factory=list)
    blocked_hosts: list[str] = field(default_factory=list)
    blocked_paths: list[str] = field(default_factory=list)
    rules: list[tuple[str, int | None, Any]] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    entities: dict[str, tuple[str | None, float | None]] = field(default_factory=dict)
    nlp: bool = True
    nlp_model: str | None = None
    packs: tuple[str, ...] = DEFAULT_PACKS
    recognizers_on: list[str] = field(default_factory=list)
    recognizers_off: list[str] = field(default_factory=list)
    egress: str = "flag"
    ignore_hosts: list[str] = field(default_factory=list)
    inspect: str | None = None
    tool_secrets: str = POLICIES[0]
    trusted_hosts: list[str] = field(default_factory=list)


def _read(path: Path, merged: _Merged) -> None:
    text, data = read_toml(path, "rule file")
    for top in data:
        if top not in _TOP:
            raise ConfigError(f"{path}:{_line_of(text, top)}: {top}: unknown section; "
                              f"known: {', '.join(sorted(_TOP))}")
    for section, keys in _SECTIONS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {section}: must be a table [{section}]")
        for key in table:
            if key not in keys:
                raise ConfigError(f"{path}:{_line_of(text, section, key)}: {section}.{key}: "
                                  f"unknown key; known: {', '.join(sorted(keys))}")

    def where(section: str, key: str) -> str:
        return f"{path}:{_line_of(text, section, key)}: {section}.{key}"

    proxy = data.get("proxy", {})
    for key in ("hosts", "blocked_hosts", "blocked_paths", "ignore_hosts"):
        if key in proxy:
            getattr(merged, key).extend(_strings(proxy[key], where("proxy", key)))
    if "egress" in proxy:
        if proxy["egress"] not in ("flag", "block"):
            raise ConfigError(f"{where('proxy', 'egress')}: must be \"flag\" or \"block\"")
        merged.egress = proxy["egress"]
    if "inspect" in proxy:
        if proxy["inspect"] not in ("ai", "all"):
            raise ConfigError(f"{where('proxy', 'inspect')}: must be \"ai\" or \"all\"")
        merged.inspect = proxy["inspect"]
    restore = data.get("restore", {})
    if "secrets_in_tool_calls" in restore:
        value = restore["secrets_in_tool_calls"]
        if value not in POLICIES:
            raise ConfigError(f"{where('restore', 'secrets_in_tool_calls')}: must be "
                              + " or ".join(f'"{p}"' for p in POLICIES))
        merged.tool_secrets = value
    if "trusted_hosts" in restore:
        merged.trusted_hosts.extend(_strings(restore["trusted_hosts"],
                                             where("restore", "trusted_hosts")))
    detect = data.get("detect", {})
    if "nlp" in detect:
        if not isinstance(detect["nlp"], bool):
            raise ConfigError(f"{where('detect', 'nlp')}: must be true or false")
        merged.nlp = detect["nlp"]
    if "nlp_model" in detect:
        if not isinstance(detect["nlp_model"], str) or not detect["nlp_model"]:
            raise ConfigError(f"{where('detect', 'nlp_model')}: must be a spaCy package "
                              "name or model directory")
        merged.nlp_model = detect["nlp_model"]
    if "packs" in detect:
        merged.packs = _strings(detect["packs"], where("detect", "packs"))
    for key, names in (("recognizers_on", merged.recognizers_on),
                       ("recognizers_off", merged.recognizers_off)):
        if key in detect:
            w = where("detect", key)
            names.extend(_strings(detect[key], w))
            enabled(names if key.endswith("on") else (), names if key.endswith("off") else (),
                    w.rsplit(".", 1)[0])  # unknown names fail here, with file and line
    terms = data.get("terms", {})
    merged.deny.extend(_strings(terms.get("deny", []), where("terms", "deny")))
    merged.allow.extend(_strings(terms.get("allow", []), where("terms", "allow")))
    entities = data.get("entities", {})
    if not isinstance(entities, dict):
        raise ConfigError(f"{path}: entities: must be [entities.TYPE] tables")
    for name, conf in entities.items():
        w = f"{path}:{_line_of(text, 'entities.' + name)}: entities.{name}"
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name) or not isinstance(conf, dict):
            raise ConfigError(f"{w}: must be an UPPER_SNAKE entity type with a table")
        extra = set(conf) - {"action", "min_score"}
        if extra:
            raise ConfigError(f"{w}.{sorted(extra)[0]}: unknown key; known: action, min_score")
        action = conf.get("action")
        if action is not None and action not in ACTIONS:
            raise ConfigError(f"{w}.action: {action!r} is not one of {', '.join(ACTIONS)}")
        score = conf.get("min_score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)
                                  or not 0 <= score <= 1):
            raise ConfigError(f"{w}.min_score: must be a number from 0 to 1")
        merged.entities[name] = (action, float(score) if score is not None else None)
    tables = data.get("rules", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: rules: must be an array of [[rules]] tables")
    lines = rule_header_lines(text)
    for i, table in enumerate(tables):
        line = lines[i] if len(lines) == len(tables) else None
        parse_rule(table, str(path), line, pack="project")  # validate now, at load time
        merged.rules.append((str(path), line, table))


def load_project(root: Path | str, *, user_file: Path | None = None, nlp: bool = True,
                 known: Any = None) -> ProjectConfig:
    """Load a project's configuration: built-in packs, user file, then project file.

    Args:
        root: Project directory.
        user_file: User-level rule file (default ``user_config_path()``).
        nlp: False switches NER off whatever the files say (``--no-nlp``).
        known: A known-secrets detector to include.

    Raises:
        ConfigError: A rule file is invalid (message names file, line and key).
    """
    root = Path(root).expanduser().resolve()
    merged = _Merged()
    files: list[tuple[Path, float]] = []
    for path in (user_file or user_config_path(), root / PROJECT_FILE):
        files.append((path, _mtime(path)))
        if path.is_file():
            _read(path, merged)
    spec = DetectorSpec(
        packs=merged.packs,
        rules=tuple(merged.rules),
        deny_terms=tuple(merged.deny),
        allow_terms=tuple(merged.allow),
        entities=tuple((k, a, s) for k, (a, s) in merged.entities.items()),
        nlp=nlp and merged.nlp,
        nlp_model=merged.nlp_model or DetectorSpec().nlp_model,
        known=known,
        recognizers_on=tuple(merged.recognizers_on),
        recognizers_off=tuple(merged.recognizers_off),
    )
    return ProjectConfig(root=root, name=root.name or str(root), hosts=tuple(merged.hosts),
                         blocked_hosts=tuple(merged.blocked_hosts),
                         blocked_paths=tuple(merged.blocked_paths), spec=spec,
                         files=tuple(files), packs=merged.packs, egress=merged.egress,
                         ignore_hosts=tuple(merged.ignore_hosts), inspect=merged.inspect,
                         tool_secrets=merged.tool_secrets,
                         trusted_hosts=tuple(merged.trusted_hosts))

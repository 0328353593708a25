"""Known secrets: the user's own secret values, redacted wherever they appear in any format.

Patterns miss secrets with no recognizable shape (an internal password, a self-made token).
The user's ``.env`` files and credential files already list them, so we load those values
and look for them verbatim. Only keyed hashes (BLAKE2b with a random per-process key) and
lengths are kept, never the values: a memory dump or a repr shows nothing useful.

Matching hashes candidate tokens (text split on whitespace, quotes, ``=``, ``:``, ``,``,
brackets, ``@``, ``/``, ``?``, ``&``...) and, for each known length, the substring of that
length starting at each token start, so a secret followed by other text in the same token
(``SECRET.suffix``) or embedded in a URL (``https://u:SECRET@host``) is still found. A secret
glued after other characters of one token (``xSECRET``) is not.

Hashing every (token start, known length) pair of a large text is the cost, so values
without whitespace (nearly all secrets) are only tried inside runs of non-space characters
long enough to hold them, and each distinct candidate substring is hashed once per text.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from redactproxy.detect.base import Finding

__all__ = ["KnownSecrets", "is_trivial_value", "parse_env_file"]

_SPLIT = re.compile(r"""[\s"'`=:,;()\[\]{}<>|&?#@/\\]+""")
_SPLIT_INNER = re.compile(r"""["'`=:,;()\[\]{}<>|&?#@/\\]+""")
_END_CHAR = re.compile(r"[^A-Za-z0-9]")
_NUMBER = re.compile(r"^[+-]?\d+(?:[._]\d+)*$")
_WORD = re.compile(r"^[A-Za-z]+(?:[ _-][A-Za-z]+)*$")
_URL_NO_CREDS = re.compile(r"^[a-z][a-z0-9+.-]*://[^@\s]*$", re.IGNORECASE)
_PATHLIKE = re.compile(r"^(?:~|\.{1,2})?/[\w./-]*$")
_TRIVIAL = frozenset({
    "true", "false", "yes", "no", "on", "off", "none", "null", "nil", "undefined",
    "development", "production", "staging", "localhost", "changeme", "password", "secret",
})
MIN_LENGTH = 8


def is_trivial_value(value: str) -> bool:
    """True for values not worth treating as secrets.

    Short values (< 8 chars), booleans, numbers, plain words (``production``), file paths,
    URLs without credentials and ``${VAR}`` references would redact ordinary text everywhere.
    """
    v = value.strip()
    return (len(v) < MIN_LENGTH or v.lower() in _TRIVIAL or bool(_NUMBER.match(v))
            or bool(_WORD.match(v)) or bool(_URL_NO_CREDS.match(v)) or bool(_PATHLIKE.match(v))
            or v.startswith("${") or (v.startswith("<") and v.endswith(">")))


def parse_env_file(text: str) -> dict[str, str]:
    """Parse ``KEY=value`` lines of a dotenv file (``export``, quotes and comments handled)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if value[:1] in ("'", '"') and value[:1] in value[1:]:
            value = value[1:value.index(value[0], 1)]
        else:
            value = value.split(" #", 1)[0].strip()
        out[key.strip()] = value
    return out


class KnownSecrets:
    """Detector for specific secret values, stored only as keyed hashes.

    Args:
        min_length: Values shorter than this are refused by ``add``.
    """

    def __init__(self, *, min_length: int = MIN_LENGTH) -> None:
        self._key = secrets.token_bytes(32)
        self._sources: dict[bytes, str] = {}
        self._lengths: set[int] = set()  # lengths of values without whitespace
        self._spaced: set[int] = set()  # lengths of values holding whitespace
        self.min_length = min_length

    def __len__(self) -> int:
        return len(self._sources)

    def __repr__(self) -> str:
        return f"KnownSecrets({len(self)} values)"

    def fingerprint(self) -> str:
        """A digest of the keyed hashes held: equal contents give equal fingerprints.

        Used in the detector spec's cache key, so findings cached for one set of known
        secrets are never reused for another. It reveals nothing the hashes do not.
        """
        blob = b"".join(sorted(self._sources))
        return hashlib.blake2b(blob, digest_size=12).hexdigest()

    def _hash(self, value: str) -> bytes:
        return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), key=self._key,
                               digest_size=16).digest()

    def add(self, value: str, source: str) -> bool:
        """Remember ``value`` (found in ``source``, e.g. ``env`` or ``aws``).

        Returns:
            True if added; False if the value is shorter than ``min_length``.
        """
        value = value.strip()
        if len(value) < self.min_length:
            return False
        self._sources.setdefault(self._hash(value), source)
        (self._spaced if any(c.isspace() for c in value) else self._lengths).add(len(value))
        return True

    def analyze(self, text: str) -> list[Finding]:
        """Find every occurrence of a known value; entity ``KNOWN_SECRET``."""
        if not self._sources or not text:
            return []
        found: dict[tuple[int, int], Finding] = {}
        memo: dict[str, str | None] = {}  # candidate -> source, so repeats hash once
        n = len(text)

        def check(start: int, end: int) -> None:
            candidate = text[start:end]
            if candidate in memo:
                source = memo[candidate]
            else:
                source = memo[candidate] = self._sources.get(self._hash(candidate))
            if source is not None:
                found[(start, end)] = Finding(start, end, "KNOWN_SECRET", f"known.{source}",
                                              1.0, "redact")

        if self._lengths:
            lengths = sorted(self._lengths)
            shortest = lengths[0]
            for run in re.finditer(rf"\S{{{shortest},}}", text):
                r0, r1 = run.span()
                starts = [r0] + [m.end() for m in _SPLIT_INNER.finditer(text, r0, r1)]
                # A value ends where its token does: before a character that is not a letter
                # or digit, or at the run's end. Hashing only those candidates keeps this
                # linear in practice (a value glued to following letters is not found).
                ends = {m.start() for m in _END_CHAR.finditer(text, r0, r1)}
                ends.add(r1)
                for start in starts:
                    room = r1 - start
                    for length in lengths:
                        if length > room:
                            break
                        if start + length in ends:
                            check(start, start + length)
        if self._spaced:
            spaced_starts = {0} | {m.end() for m in _SPLIT.finditer(text)}
            for start in spaced_starts:
                for length in self._spaced:
                    if start + length <= n:
                        check(start, start + length)
        return sorted(found.values(), key=lambda f: (f.start, f.end))

    def add_env_files(self, project_dir: str | Path) -> int:
        """Add non-trivial values of ``.env`` and ``.env.*`` files in ``project_dir``."""
        count = 0
        for path in sorted(Path(project_dir).glob(".env*")):
            if not path.is_file() or path.name.endswith((".example", ".sample", ".template",
                                                         ".dist")):
                continue
            try:
                values = parse_env_file(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
            count += self._add_all(values.values(), "env")
        return count

    def _add_all(self, values: Iterable[str], source: str) -> int:
        return sum(self.add(v, source) for v in values if not is_trivial_value(v))

    def add_credential_files(self, home: str | Path) -> int:
        """Add secrets from the usual credential files under ``home``.

        Reads ``~/.aws/credentials`` (secret keys and session tokens), ``~/.netrc``
        passwords, ``~/.npmrc`` ``_authToken`` / ``_auth`` / ``_password``, ``~/.pypirc``
        passwords and ``~/.docker/config.json`` ``auths``. Unreadable files are skipped.
        """
        home = Path(home)
        count = 0
        for name, source, reader in (
            (".aws/credentials", "aws", _aws), (".netrc", "netrc", _netrc),
            (".npmrc", "npmrc", _npmrc), (".pypirc", "pypirc", _pypirc),
            (".docker/config.json", "docker", _docker),
        ):
            path = home / name
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            try:
                values = reader(text)
            except (ValueError, configparser.Error):
                continue
            count += self._add_all(values, source)
        return count

    @classmethod
    def from_env_files(cls, project_dir: str | Path) -> KnownSecrets:
        """A detector holding the secrets of ``project_dir``'s ``.env`` files."""
        known = cls()
        known.add_env_files(project_dir)
        return known

    @classmethod
    def from_credential_files(cls, home: str | Path | None = None) -> KnownSecrets:
        """A detector holding the secrets of the credential files in ``home`` (default ~)."""
        known = cls()
        known.add_credential_files(home if home is not None else os.path.expanduser("~"))
        return known


def _ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    return parser


def _aws(text: str) -> list[str]:
    parser = _ini(text)
    keys = ("aws_secret_access_key", "aws_session_token", "aws_security_token")
    return [parser[s][k] for s in parser.sections() for k in keys if k in parser[s]]


def _netrc(text: str) -> list[str]:
    tokens = text.split()
    return [tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t == "password"]


def _npmrc(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().rsplit(":", 1)[-1] in ("_authToken", "_auth", "_password"):
            out.append(value.strip().strip("\"'"))
    return out


def _pypirc(text: str) -> list[str]:
    parser = _ini(text)
    return [parser[s]["password"] for s in parser.sections() if "password" in parser[s]]


def _docker(text: str) -> list[str]:
    data = json.loads(text)
    auths = data.get("auths", {}) if isinstance(data, dict) else {}
    out = []
    for entry in auths.values():
        if isinstance(entry, dict):
            out += [entry[k] for k in ("auth", "identitytoken", "password")
                    if isinstance(entry.get(k), str)]
    return out

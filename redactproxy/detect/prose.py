"""Keep NER on prose: blank out code so spaCy never tags ``OSError`` as a PERSON.

Code, config and logs make up most of what coding tools send. NER on them mostly finds
identifiers. ``prose_view`` returns a same-length copy of a text in which code lines
(except their comments) and code-shaped tokens (identifiers with ``_`` or inner capitals,
dotted names, paths, anything in backticks, tokens holding digits) are replaced by spaces,
so NER offsets still point into the original text.

NER still tags ordinary words in prose (sentence-initial ``Check``, ``Windows``, a class
named in a docstring). ``plausible_entity`` is the second gate: a PERSON / LOCATION / NRP
guess must start with a capital, must not be a lone sentence-initial word, must not be a
platform name, and must not be used as an identifier elsewhere in the same text
(``Popen(`` in code makes ``Popen`` in a comment an identifier too).
"""

from __future__ import annotations

import re

__all__ = ["identifiers", "is_code_line", "name_lines", "plausible_entity", "prose_view"]

_CODE_START = re.compile(
    r"^\s*(?:def |class |import |from \S+ import|return\b|if .*:$|elif |else:|for .*:$|"
    r"while |try:|except\b|with .*:$|const |let |var |function\b|public |private |"
    r"protected |package |#include|using |fn |impl |struct |enum |interface |type \w+ =|"
    r"@\w+|\}|\{|\)|\]|<\/?\w+[^>]*>$|\$ |>>> |\.\.\. )")
_SYMBOLS = re.compile(r"[{}()\[\];=<>|&*/\\$`^~\"]")
_PATH = re.compile(r"(?<!\S)[\w.~-]*/[\w.~/-]+")
_COMMENT = re.compile(r"(?:#|//|--|/\*|\*)\s+(.*)$")
_CODE_TOKEN = re.compile(
    r"`[^`\n]*`"                      # inline code
    r"|\b\w+(?:[._/:\\-]\w+)+\b"      # dotted names, paths, snake/kebab-case, urls parts
    r"|\b[a-z]+[A-Z]\w*\b"            # camelCase
    r"|\b[A-Z][a-z0-9]+[A-Z]\w*\b"    # PascalCase with an inner capital: HttpClient
    r"|\b[A-Z]{2,}[a-z]\w*\b"         # acronym then word: OSError, HTTPServer
    r"|\b\w*\d\w*\b"                  # anything holding digits
    r"|\b[A-Z_]{2,}\b"                # CONSTANTS
)


def is_code_line(line: str) -> bool:
    """True if ``line`` looks like source code, config or a log line rather than prose."""
    s = line.strip()
    if not s:
        return False
    if _CODE_START.match(line):
        return True
    symbols = len(_SYMBOLS.findall(_PATH.sub("", s)))  # a path in a sentence is not code
    if symbols >= 3 and symbols / len(s) > 0.06:
        return True
    if line.startswith(("    ", "\t")) and symbols >= 1:
        return True
    return s.endswith((";", "{", "(", ",", ":")) and " " not in s.rstrip(";{(,:")


def prose_view(text: str) -> str:
    """Return ``text`` with code blanked out (same length, same newlines)."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        if is_code_line(body):
            m = _COMMENT.search(body)
            if m and m.group(1):
                body = " " * m.start(1) + m.group(1)
            else:
                body = " " * len(body)
        # ``body`` holds no newline (``splitlines``), so a blanked token is only spaces
        body = _CODE_TOKEN.sub(lambda m: " " * (m.end() - m.start()), body)
        out.append(body + ending)
    return "".join(out)


# Platform and tool names NER takes for places or people; never personal data.
_NOT_ENTITIES = frozenset({
    "windows", "linux", "mac", "macos", "macintosh", "unix", "posix", "darwin", "android",
    "ios", "python", "java", "ruby", "rust", "go", "node", "docker", "git", "github",
    "bash", "json", "yaml", "unicode", "ascii", "utf", "true", "false", "none", "null",
})
_SENTENCE_START = re.compile(r"(?:[.!?:;]\s+|\n[ \t]*|[#*>/-]\s+|\"\"\"|\'\'\'|\(|`|\"|\\n)$")


# A whole word used as an identifier: called, indexed, an attribute holder or attribute,
# assigned. One pass per text (``identifiers``) instead of one per NER guess.
_IDENTIFIER = re.compile(r"(?<!\w)(\w+)(?=\(|\.\w|\[|\s*=)|\.(\w+)\b")
_WORD = re.compile(r"\w+")


def identifiers(text: str) -> frozenset[str]:
    """The whole words of ``text`` it uses as identifiers (``plausible_entity``'s test)."""
    return frozenset(w for groups in _IDENTIFIER.findall(text) for w in groups if w)


def plausible_entity(text: str, start: int, end: int, entity: str,
                     idents: frozenset[str] | None = None) -> bool:
    """True if an NER guess ``text[start:end]`` of type ``entity`` may be a real name or place.

    Args:
        text: The original text (not the prose view).
        start: Start offset of the guess.
        end: End offset of the guess.
        entity: Its type; only PERSON, LOCATION and NRP are judged, others pass.
        idents: ``identifiers(text)``, when judging several guesses in one text.
    """
    if entity not in ("PERSON", "LOCATION", "NRP"):
        return True
    value = text[start:end]
    words = value.split()
    if not words or not value[:1].isupper():
        return False
    if value.casefold() in _NOT_ENTITIES or words[0].casefold() in _NOT_ENTITIES:
        return False
    if len(words) == 1:
        before = text[max(0, start - 40):start]
        if _SENTENCE_START.search(before) or (start <= 40 and not before.strip()):
            return False
        if _WORD.fullmatch(value):
            if value in (idents if idents is not None else identifiers(text)):
                return False  # used as an identifier somewhere in this text
        elif re.search(r"(?<![\w])" + re.escape(value) + r"(?:\(|\.\w|\[)|\.\b" + re.escape(value)
                     + r"\b|\b" + re.escape(value) + r"\s*=", text):
            return False  # used as an identifier somewhere in this text
    return True


_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")
_NOT_NAMES = frozenset({"I", "I'm", "I've", "I'll", "I'd", "I’m", "I’ve", "I’ll", "I’d"})


def _may_hold_name(view_line: str, line: str) -> bool:
    """True if ``view_line`` has a capitalised word past a sentence start (judged on the
    original ``line``, as ``plausible_entity`` does): without one, no guess can be accepted."""
    for m in _CAPITALISED.finditer(view_line):
        word = m.group()
        if word in _NOT_NAMES or word.casefold() in _NOT_ENTITIES:
            continue
        before = line[max(0, m.start() - 40):m.start()]
        if before.strip() and not _SENTENCE_START.search(before):
            return True
    return False


def name_lines(view: str, text: str) -> str:
    """Blank the lines of ``view`` (``prose_view(text)``) that cannot yield an accepted guess.

    ``plausible_entity`` accepts a single word only past a sentence start, so a line whose
    every capitalised word starts a sentence (or is ``I``, or a platform name) can only
    yield a multi-word guess opening a sentence with all later words lower-case, which the
    small English model practically never tags. NER then runs only on lines that may hold
    a name; same length and newlines, so offsets still hold.
    """
    out: list[str] = []
    pos = 0
    for vline in view.splitlines(keepends=True):
        body = vline.rstrip("\r\n")
        if body.strip() and not _may_hold_name(body, text[pos:pos + len(body)]):
            vline = " " * len(body) + vline[len(body):]
        out.append(vline)
        pos += len(vline)
    return "".join(out)

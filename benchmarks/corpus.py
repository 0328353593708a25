"""Seeded synthetic request content for the benchmarks: prose, code, command output, agents.

Everything here is made up: names from small synthetic lists, ``example.org`` addresses,
555-01xx phone numbers, fake key shapes built from random characters. The same seed always
gives the same text, so every configuration of one run sees identical bytes; a new seed gives
content no detector cache has seen ("cold").
"""

from __future__ import annotations

import json
import random
import string

__all__ = ["Corpus", "anthropic_turns", "tools"]

_FIRST = ["Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ingrid",
          "Jonas", "Keiko", "Lars", "Maya", "Nils", "Olga", "Pedro", "Quinn", "Rosa"]
_LAST = ["Marlowe", "Okafor", "Lindqvist", "Castellano", "Varga", "Brennan", "Takeda",
         "Holm", "Novak", "Ferreira", "Albright", "Kowalski", "Sandoval", "Whitcombe"]
_CITIES = ["Lisbon", "Rotterdam", "Portland", "Valencia", "Gothenburg", "Leeds", "Porto"]
_WORDS = ("the a service request deploy cache latency cluster retry budget review change "
          "config pipeline build release schedule ticket customer invoice report meeting "
          "team module function error timeout queue worker migration database index query "
          "we should could would then because after before while during since about "
          "quickly carefully slowly really mostly probably clearly again still already "
          "check update fix move keep send write read run test ship plan agree note").split()
_VERBS = ["returns", "parses", "loads", "writes", "checks", "builds", "sends", "merges"]
_IDENT = ["user", "order", "item", "config", "cache", "record", "token", "batch", "entry",
          "payload", "result", "session", "buffer", "index", "client", "handler", "query"]


class Corpus:
    """Synthetic text from one seed.

    Args:
        seed: Same seed, same text.
    """

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    # --- PII and secret values (synthetic shapes only) ---------------------------------

    def name(self) -> str:
        return f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"

    def email(self) -> str:
        first, last = self.rng.choice(_FIRST).lower(), self.rng.choice(_LAST).lower()
        return f"{first}.{last}{self.rng.randint(1, 999)}@example.org"

    def phone(self) -> str:
        return f"({self.rng.choice(['212', '415', '617'])}) 555-01{self.rng.randint(0, 99):02d}"

    def fake_key(self) -> str:
        alphabet = string.ascii_letters + string.digits
        return "sk-proj-" + "".join(self.rng.choice(alphabet) for _ in range(48))

    # --- prose ---------------------------------------------------------------------------

    def sentence(self, pii: float = 0.0) -> str:
        words = [self.rng.choice(_WORDS) for _ in range(self.rng.randint(8, 18))]
        if self.rng.random() < pii:
            kind = self.rng.randrange(4)
            extra = {0: f"{self.name()} said", 1: f"email {self.email()}",
                     2: f"call {self.phone()}", 3: f"from {self.rng.choice(_CITIES)}"}[kind]
            words.insert(self.rng.randrange(len(words)), extra)
        text = " ".join(words)  # names and cities keep their capitals, as in real prose
        return text[:1].upper() + text[1:] + "."

    def prose(self, chars: int, pii: float = 0.15) -> str:
        out: list[str] = []
        size = 0
        while size < chars:
            para = " ".join(self.sentence(pii) for _ in range(self.rng.randint(3, 6)))
            out.append(para)
            size += len(para) + 2
        return "\n\n".join(out)[:chars]

    # --- code and command output ----------------------------------------------------------

    def ident(self) -> str:
        return f"{self.rng.choice(_IDENT)}_{self.rng.choice(_IDENT)}"

    def function(self) -> str:
        name, a, b = self.ident(), self.ident(), self.ident()
        body = [f"def {name}({a}: dict, {b}: int = {self.rng.randint(1, 99)}) -> list[str]:",
                f'    """{self.rng.choice(_VERBS).capitalize()} the {a} and {b}."""',
                "    out: list[str] = []"]
        for _ in range(self.rng.randint(3, 9)):
            v = self.ident()
            body.append(self.rng.choice([
                f"    {v} = {a}.get('{self.rng.choice(_IDENT)}', {self.rng.randint(0, 9)})",
                f"    if {v} > {b}:\n        out.append(str({v}))",
                f"    for {v} in range({b}):\n        out.append(f'{{{v}:04d}}')",
                f"    # {self.sentence()}",
                f"    log.debug('{self.rng.choice(_VERBS)} %s', {a}!r)",
            ]))
        body.append("    return out")
        return "\n".join(body) + "\n\n"

    def source_file(self, chars: int) -> str:
        head = ("import json\nimport logging\nfrom pathlib import Path\n\n"
                "log = logging.getLogger(__name__)\n\n\n")
        out = [head]
        size = len(head)
        while size < chars:
            fn = self.function()
            out.append(fn)
            size += len(fn)
        return "".join(out)[:chars]

    def command_output(self, chars: int) -> str:
        lines: list[str] = []
        size = 0
        while size < chars:
            kind = self.rng.randrange(3)
            if kind == 0:
                line = (f"tests/test_{self.ident()}.py::test_{self.ident()} "
                        f"{self.rng.choice(['PASSED', 'PASSED', 'FAILED'])} "
                        f"[{self.rng.randint(0, 100):3d}%]")
            elif kind == 1:
                line = (f"-rw-r--r-- 1 dev dev {self.rng.randint(100, 99999):6d} Mar "
                        f"{self.rng.randint(1, 28):2d} 10:{self.rng.randint(10, 59)} "
                        f"{self.ident()}.py")
            else:
                line = (f"{self.rng.getrandbits(28):07x} {self.sentence()[:60]} "
                        f"(by {self.email()})" if self.rng.random() < 0.2 else
                        f"{self.rng.getrandbits(28):07x} {self.sentence()[:60]}")
            lines.append(line)
            size += len(line) + 1
        return "\n".join(lines)[:chars]

    def mixed(self, chars: int) -> str:
        """Code, prose and command output in roughly equal parts (a "paste everything" turn)."""
        parts: list[str] = []
        size = 0
        while size < chars:
            n = self.rng.randint(2000, 6000)
            piece = [self.source_file, self.prose, self.command_output][len(parts) % 3](n)
            parts.append(piece)
            size += len(piece) + 2
        parts.insert(1, f"OPENAI_API_KEY={self.fake_key()}")
        return "\n\n".join(parts)[:chars]

    # --- small chat -------------------------------------------------------------------------

    def chat_prompt(self, chars: int = 2000) -> str:
        """~2 KB of new prose with a few PII values (names, an email, a phone, a city)."""
        text = self.prose(chars - 200, pii=0.0)
        pii = (f" Please reply to {self.name()} at {self.email()} or {self.phone()}; "
               f"she moved to {self.rng.choice(_CITIES)} with {self.name()}.")
        return text + pii


def tools() -> list[dict]:
    """Nine tool definitions shaped like a coding agent's (~8 KB)."""
    c = Corpus(7)
    names = ["Read", "Write", "Edit", "Bash", "Glob", "Grep", "LS", "WebFetch", "TodoWrite"]
    return [{"name": n, "description": c.prose(700, pii=0.0),
             "input_schema": {"type": "object", "properties": {
                 "file_path": {"type": "string", "description": c.sentence()},
                 "command": {"type": "string", "description": c.sentence()},
                 "limit": {"type": "integer", "description": c.sentence()}},
                 "required": ["file_path"]}} for n in names]


def anthropic_turns(seed: int, turns: int = 20, answers: list[str] | None = None) -> list[dict]:
    """Request bodies of one coding-agent conversation, turn by turn (Messages API, streamed).

    Turn 1 holds a ~10 KB system prompt, 9 tools (~8 KB) and a user prompt; every later turn
    resends the whole history plus an assistant tool call and a 5-8 KB tool result (a source
    file or command output, sometimes with prose), growing to ~150 KB by turn 20. With
    ``answers``, turn t's assistant text is ``answers[t]`` (what the model answered turn t, as
    an agent sends it back); else a sentence the client made up.
    """
    c = Corpus(seed)
    system = c.prose(10_000, pii=0.02) + "\nContact the maintainers at team@example.org."
    messages: list[dict] = [{"role": "user", "content": [
        {"type": "text", "text": c.prose(1500, pii=0.3)}]}]
    bodies: list[dict] = []
    for t in range(turns):
        body = {"model": "claude-sonnet-4-5", "max_tokens": 4096, "stream": True,
                "system": [{"type": "text", "text": system}], "tools": tools(),
                "messages": json.loads(json.dumps(messages))}
        bodies.append(body)
        tool_id = f"toolu_01{c.rng.getrandbits(64):016x}"
        messages.append({"role": "assistant", "content": [
            {"type": "text", "text": answers[t] if answers else c.sentence(pii=0.1)},
            {"type": "tool_use", "id": tool_id, "name": "Read",
             "input": {"file_path": f"src/{c.ident()}.py"}}]})
        size = c.rng.randint(5000, 8000)
        kind = t % 3
        result = (c.source_file(size) if kind == 0 else c.command_output(size) if kind == 1
                  else c.source_file(size // 2) + "\n" + c.prose(size // 2, pii=0.2))
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": tool_id, "content": result}]})
    return bodies

"""A seeded, synthetic, labelled corpus for the detection benchmark.

Every planted value is fake by construction: phones in 555-01xx / Ofcom drama ranges,
``example.org`` mail, documentation IP ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32), Luhn-valid test card prefixes, random key bodies behind real key prefixes.
Values are embedded in the shapes coding tools send (.env, YAML, JSON, Python, JS, shell
history, prose), each with its exact span, so recall and precision are computed, not guessed.
Negatives (git SHAs, UUIDs, lockfile integrity hashes, base64 blobs, placeholders) are
labelled too: a finding on one is a false positive.
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Doc", "Label", "build_corpus", "conversation_turns", "prose_corpus"]

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


@dataclass(frozen=True, slots=True)
class Label:
    """A planted value: ``kind`` is ``SECRET``, a PII type, ``PERSON`` or ``NEG``."""

    start: int
    end: int
    kind: str
    sub: str  # the generator's name (openai-project, git-sha...), for per-format misses


@dataclass(slots=True)
class Doc:
    """A text with labels, built by appending pieces."""

    fmt: str
    parts: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    size: int = 0

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.size += len(s)

    def value(self, s: str, kind: str, sub: str) -> None:
        self.labels.append(Label(self.size, self.size + len(s), kind, sub))
        self.add(s)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    """Random string that is never trivially low-entropy."""
    return "".join(rng.choice(alphabet) for _ in range(n))


# --- secrets: (name, env var name, generator) ------------------------------------------
SecretGen = Callable[[random.Random], str]
SECRETS: list[tuple[str, str, SecretGen]] = [
    ("aws-key-id", "AWS_ACCESS_KEY_ID",
     lambda r: "AKIA" + _r(r, string.ascii_uppercase + "234567", 16)),
    ("github-pat", "GITHUB_TOKEN", lambda r: "ghp_" + _r(r, ALNUM, 36)),
    ("github-fine", "GH_TOKEN",
     lambda r: "github_pat_" + _r(r, ALNUM, 22) + "_" + _r(r, ALNUM, 59)),
    ("gitlab-pat", "GITLAB_TOKEN", lambda r: "glpat-" + _r(r, URLSAFE, 20)),
    ("openai-project", "OPENAI_API_KEY", lambda r: "sk-proj-" + _r(r, URLSAFE, 64)),
    ("anthropic", "ANTHROPIC_API_KEY",
     lambda r: "sk-ant-api03-" + _r(r, URLSAFE, 93) + "AA"),
    ("stripe-test", "STRIPE_SECRET_KEY", lambda r: "sk_test_" + _r(r, ALNUM, 32)),
    ("slack-bot", "SLACK_BOT_TOKEN",
     lambda r: f"xoxb-{_r(r, string.digits, 12)}-{_r(r, string.digits, 13)}-{_r(r, ALNUM, 24)}"),
    ("google-api", "GEMINI_API_KEY", lambda r: "AIza" + _r(r, URLSAFE, 35)),
    ("huggingface", "HF_TOKEN", lambda r: "hf_" + _r(r, string.ascii_letters, 34)),
    ("npm", "NPM_TOKEN", lambda r: "npm_" + _r(r, ALNUM, 36)),
    ("sendgrid", "SENDGRID_API_KEY",
     lambda r: "SG." + _r(r, URLSAFE, 22) + "." + _r(r, URLSAFE, 43)),
    ("jwt", "AUTH_JWT", lambda r: _jwt(r)),
    ("password", "DB_PASSWORD",
     lambda r: _r(r, string.ascii_letters, 4) + _r(r, "!#%^*-_", 1) + _r(r, ALNUM, 9)),
    ("generic-api-key", "PAYMENTS_API_KEY", lambda r: _r(r, ALNUM, 28)),
    ("secret-key", "DJANGO_SECRET_KEY", lambda r: _r(r, ALNUM + "!@#%^*(-_=+)", 40)),
]


def _jwt(r: random.Random) -> str:
    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    sub = _r(r, string.digits, 10)
    return ".".join((part(b'{"alg":"HS256","typ":"JWT"}'),
                     part(f'{{"sub":"{sub}","iat":1700000000}}'.encode()),
                     _r(r, URLSAFE, 43)))


def _aws_secret(r: random.Random) -> str:
    return _r(r, ALNUM + "/+", 40)


# --- PII generators -----------------------------------------------------------------------
FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
         "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
         "Thomas", "Sarah", "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy",
         "Anthony", "Emily", "Mark", "Margaret", "Steven", "Laura", "Paul", "Rachel", "Andrew",
         "Emma", "Kevin", "Olivia", "Brian", "Sophie", "George", "Hannah"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson",
        "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
        "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
        "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker"]


def _luhn_complete(prefix: str, length: int, r: random.Random) -> str:
    body = prefix + _r(r, string.digits, length - len(prefix) - 1)
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _card(r: random.Random) -> str:
    prefix, length = r.choice([("411111", 16), ("424242", 16), ("555555", 16),
                               ("601111", 16), ("378282", 15)])
    n = _luhn_complete(prefix, length, r)
    if length == 15:
        return f"{n[:4]} {n[4:10]} {n[10:]}" if r.random() < 0.5 else n
    sep = r.choice([" ", "-", ""])
    return sep.join(n[i:i + 4] for i in range(0, 16, 4))


def _iban(r: random.Random) -> str:
    country, bban = r.choice([("GB", "WEST" + _r(r, string.digits, 14)),
                              ("DE", _r(r, string.digits, 18)),
                              ("FR", _r(r, string.digits, 23)),
                              ("NL", "ABNA" + _r(r, string.digits, 10))])
    num = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    raw = f"{country}{98 - num % 97:02d}{bban}"
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4)) if r.random() < 0.5 else raw


def _ssn(r: random.Random) -> str:
    area = r.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"


def _phone(r: random.Random) -> str:
    k = r.randrange(5)
    x = r.randint(100, 199)
    if k == 0:
        return f"({r.choice(['415', '212', '312', '646'])}) 555-0{x}"
    if k == 1:
        return f"{r.choice(['202', '303', '617'])}-555-0{x}"
    if k == 2:
        return f"+1 {r.choice(['415', '206'])} 555 0{x}"
    if k == 3:
        return f"020 7946 0{r.randint(100, 999)}"
    return f"+44 7700 900{r.randint(100, 999)}"


def _ip(r: random.Random) -> str:
    if r.random() < 0.8:
        net = r.choice(["192.0.2", "198.51.100", "203.0.113"])
        return f"{net}.{r.randint(1, 254)}"
    return f"2001:db8:{r.randint(1, 0xffff):x}::{r.randint(1, 0xffff):x}"


_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _cn_id(r: random.Random) -> str:
    body = (r.choice(["110101", "310115", "440300", "510104"])
            + f"{r.randint(1950, 2005)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
            + _r(r, string.digits, 3))
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, _CN_WEIGHTS, strict=True)) % 11]
    return body + check


def _cn_mobile(r: random.Random) -> str:
    n = "1" + r.choice("3456789") + _r(r, string.digits, 9)
    return n if r.random() < 0.6 else f"{n[:3]} {n[3:7]} {n[7:]}"


def _email(r: random.Random) -> str:
    first, last = r.choice(FIRST).lower(), r.choice(LAST).lower()
    domain = r.choice(["example.org", "example.com", "mail.example.net"])
    return f"{first}{r.choice(['.', '_', ''])}{last}@{domain}"


PII: list[tuple[str, Callable[[random.Random], str], str]] = [
    ("EMAIL", _email, "email"), ("PHONE", _phone, "phone"), ("CARD", _card, "card number"),
    ("IBAN", _iban, "IBAN"), ("SSN", _ssn, "SSN"), ("IP", _ip, "server IP"),
    ("CN_ID", _cn_id, "身份证号"), ("CN_MOBILE", _cn_mobile, "手机号"),
]

# --- negatives ------------------------------------------------------------------------------
NEGATIVES: list[tuple[str, str, Callable[[random.Random], str]]] = [
    ("git-sha", "commit", lambda r: _r(r, "0123456789abcdef", 40)),
    ("uuid", "request_id", lambda r: "-".join(_r(r, "0123456789abcdef", n)
                                              for n in (8, 4, 4, 4, 12))),
    ("sha512-integrity", "integrity",
     lambda r: "sha512-" + base64.b64encode(r.randbytes(64)).decode()),
    ("base64-blob", "data", lambda r: base64.b64encode(r.randbytes(r.randint(48, 120))).decode()),
    ("placeholder", "OPENAI_API_KEY",
     lambda r: r.choice(["your-api-key-here", "<YOUR_API_KEY>", "${OPENAI_API_KEY}",
                         "sk-...", "xxxxxxxxxxxxxxxx", "changeme", "REPLACE_ME",
                         "your_token_here", "{{ api_key }}", "********"])),
]


def _embed(doc: Doc, r: random.Random, name: str, value: str, kind: str, sub: str) -> None:
    """Write ``name = value`` in the document's format, labelling ``value``."""
    f = doc.fmt
    words = name.lower().replace("_", " ")
    before, after = {
        "env": (f"{name}=", "\n"),
        "yaml": (f"  {name.lower()}: ", "\n"),
        "json": (f'  "{name.lower()}": "', '",\n'),
        "js": (f"const {name.lower()} = '", "';\n"),
        "shell": (f" {r.randint(100, 999)}  export {name}=", "\n"),
        "prose": (f"I set {words}: ", " in staging, but the request still fails.\n"),
    }.get(f, ("", ""))
    if f == "python":
        before, after = ((f'{name} = "', '"\n') if r.random() < 0.5
                         else (f'client = Client({name.lower()}="', '", timeout=30)\n'))
    doc.add(before)
    doc.value(value, kind, sub)
    doc.add(after)


_PII_PROSE = [
    "Please send the invoice to {v} before the end of the week.\n",
    "The customer gave {v} when we called about the refund.\n",
    "You can reach the on-call engineer at {v} if the deploy breaks.\n",
    "Record 42 still shows {v} in the billing export.\n",
]

_FILLER = {
    "env": "# service settings\nLOG_LEVEL=info\nPORT=8080\n",
    "yaml": "service:\n  name: billing\n  replicas: 3\n",
    "json": '  "region": "eu-west-1",\n  "retries": 3,\n',
    "python": "import os\n\nTIMEOUT = 30\n",
    "js": "const retries = 3;\n",
    "shell": " 101  git status\n 102  npm run build\n",
    "prose": "We moved the staging database last week and the migrations ran cleanly.\n",
}

FORMATS = ("env", "yaml", "json", "python", "js", "shell", "prose")


def build_corpus(seed: int = 7, reps: int = 10) -> list[Doc]:
    """Documents with planted secrets, structured PII and negatives, ``reps`` of each per format."""
    r = random.Random(seed)
    docs: list[Doc] = []
    for fmt in FORMATS:
        for _ in range(reps):
            doc = Doc(fmt)
            doc.add(_FILLER[fmt])
            items: list[tuple[str, str, str, str]] = []
            for sub, name, gen in SECRETS:
                items.append((name, gen(r), "SECRET", sub))
            items.append(("AWS_SECRET_ACCESS_KEY", _aws_secret(r), "SECRET", "aws-secret"))
            for kind, gen, label in PII:
                items.append((label.upper().replace(" ", "_"), gen(r), kind, kind.lower()))
            for sub, name, gen in NEGATIVES:
                items.append((name, gen(r), "NEG", sub))
            r.shuffle(items)
            for name, value, kind, sub in items:
                if kind not in ("SECRET", "NEG") and fmt == "prose":
                    before, after = r.choice(_PII_PROSE).split("{v}")
                    doc.add(before)
                    doc.value(value, kind, sub)
                    doc.add(after)
                else:
                    _embed(doc, r, name, value, kind, sub)
                doc.add(_FILLER[fmt] if r.random() < 0.2 else "")
            docs.append(doc)
    return docs


_PERSON_TEMPLATES = [
    "Yesterday {n} asked me to review the deployment notes before the release.",
    "I spoke with {n} about the failing integration tests this morning.",
    "{n} will take over the on-call rotation starting next Monday.",
    "Can you forward the contract to {n} and copy the legal team?",
    "According to {n}, the outage started right after the config change.",
    "The design review was led by {n}, who suggested splitting the service.",
    "Please ask {n} whether the budget for the new laptops was approved.",
    "My manager, {n}, wants the report on her desk by Thursday.",
    "We hired {n} as a senior engineer on the payments team.",
    "Thanks to {n} for catching the race condition in the cache layer.",
    "Send the meeting notes to {n} once the call is over.",
    "{n} mentioned that the customer reported the bug twice.",
]
_PROSE_FILLER = [
    "The build has been flaky since we upgraded the compiler.",
    "We should probably add a retry around the upload step.",
    "Nobody has looked at the logs from last night yet.",
    "The migration is blocked until the schema change lands.",
    "I think the timeout is too short for large uploads.",
]


def prose_corpus(seed: int = 11, n: int = 200) -> list[Doc]:
    """English prose paragraphs with common first+last names labelled PERSON."""
    r = random.Random(seed)
    docs = []
    for _ in range(n // 4):
        doc = Doc("prose")
        for _ in range(4):
            before, after = r.choice(_PERSON_TEMPLATES).split("{n}")
            doc.add(before)
            doc.value(f"{r.choice(FIRST)} {r.choice(LAST)}", "PERSON", "name")
            doc.add(after + " " + r.choice(_PROSE_FILLER) + " ")
        doc.add("\n")
        docs.append(doc)
    return docs


def conversation_turns(code: list[str], seed: int = 5, total: int = 150_000,
                       per_turn: int = 5_000) -> list[list[str]]:
    """Messages of a conversation growing by ~``per_turn`` chars a turn up to ``total``.

    Each turn adds a user message (prose), a tool result (a slice of real source) and an
    assistant reply (prose plus a code block). Returns the full message list sent each turn.
    """
    r = random.Random(seed)
    source = "\n".join(code)
    messages: list[str] = []
    turns: list[list[str]] = []
    size = 0
    pos = 0
    while size < total:
        name = f"{r.choice(FIRST)} {r.choice(LAST)}"
        user = (f"{r.choice(_PERSON_TEMPLATES).format(n=name)} Can you look at the function "
                f"below and tell me why it fails? {r.choice(_PROSE_FILLER)}\n")
        chunk = source[pos:pos + per_turn - 1500]
        pos = (pos + len(chunk)) % max(1, len(source) - per_turn)
        reply = (" ".join(r.choice(_PROSE_FILLER) for _ in range(6))
                 + "\n\n```python\n" + chunk[:600] + "\n```\n")
        for m in (user, chunk, reply):
            messages.append(m)
            size += len(m)
        turns.append(list(messages))
    return turns

"""Names stored under name-like keys in code and data are found; identifiers are not."""

from __future__ import annotations

import pytest

from redactproxy.detect.codedata import CodeDataNames, _key_kind, is_person_value

DETECT = CodeDataNames()


def _found(text: str) -> list[str]:
    return [text[f.start:f.end] for f in DETECT.analyze(text)]


@pytest.mark.parametrize(("text", "names"), [
    ('user = User(name="Maria Gonzalez", email="maria.g@example.org")', ["Maria Gonzalez"]),
    ("const u = { id: 3, customerName: 'Crystal Ecker', role: 'admin' };", ["Crystal Ecker"]),
    ('u := User{ID: 9, FullName: "Diego Schnabl"}', ["Diego Schnabl"]),
    ('{"id": 12, "assignee": "Renate Wyss", "plan": "pro"}', ["Renate Wyss"]),
    ("- id: 4\n  author: Tomasz Wirz\n  plan: free\n", ["Tomasz Wirz"]),
    ('[owner]\ncontact = "Grace Ajayi"\n', ["Grace Ajayi"]),
    ("id,full_name,plan\n1,Yamile Rojas,pro\n2,\"Sofia Lindqvist\",free\n",
     ["Yamile Rojas", "Sofia Lindqvist"]),
    ("INSERT INTO customers (id, name, plan) VALUES (1, 'Maxim Chabot', 'pro'), "
     "(2, 'O''Brien Kelly', 'free');", ["Maxim Chabot", "O''Brien Kelly"]),
    ('first_name = "Teymur"\nlast_name = "Smith"\n', ["Teymur", "Smith"]),
    ('{"姓名": "王建华", "联系人": "欧阳娜娜"}', ["王建华", "欧阳娜娜"]),
    ("姓名: 陈刚\n部门: 研发\n", ["陈刚"]),
    # Names in no list: found by their shape under keys that hold names.
    ('{"id": 12, "author": "Atheel Chenaux", "plan": "pro"}', ["Atheel Chenaux"]),
    ("- id: 4\n  name: Ləman MacKay\n", ["Ləman MacKay"]),
    ("INSERT INTO t (id, contact_name) VALUES (1, 'Tegan Forget');", ["Tegan Forget"]),
])
def test_names_under_name_like_keys(text: str, names: list[str]) -> None:
    assert _found(text) == names


@pytest.mark.parametrize("text", [
    'user = User(name="test", email=None)',
    "user = User(name=user_name)",
    'owner = "<PERSON_1>"',
    'task = Task(name="Nightly Backup", owner="Data Platform")',
    '{"name": "redactproxy", "version": "0.1.0"}',
    "name: build-and-test\non: [push]\n",
    "assignee: ${{ github.actor }}\n",
    "INSERT INTO roles (id, name) VALUES (1, 'admin'), (2, 'viewer');",
    "id,name,price\n1,Widget,9.99\n",
    'model = Model(name="gpt-4o")',
    'first_name = "Test"',
    'filename = "Maria Gonzalez.txt"',
    'host_name = "Jordan Lee"',  # a machine, by its key
    "logger = logging.getLogger(name=__name__)",
    '{"name": "{{ user.name }}"}',
    '{"name": "Jetpack Compose", "type": "tool"}',  # an English word: a thing
    '{"name": "Bash", "description": "Run a shell command"}',
    'owner = "Platform Team"',
    'author = "Zorblax Labs"',
    'user = User(name="John Doe")',  # the stand-in every manual uses
])
def test_identifiers_and_placeholders_stay(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(("key", "kind"), [
    ("name", "name"), ("display_name", "name"), ("full_name", "full"),
    ("customerName", "full"), ("Author", "full"),
    ("first_name", "given"), ("givenName", "given"), ("last_name", "family"),
    ("surname", "family"), ("姓名", "full"), ("file_name", None), ("hostname", None),
    ("username", None), ("id", None),
])
def test_key_kind(key: str, kind: str | None) -> None:
    assert _key_kind(key) == kind


def test_value_checks() -> None:
    assert is_person_value("Maria Gonzalez", "full")
    assert not is_person_value("Submit Order", "full")
    assert not is_person_value("maria gonzalez", "full")
    assert not is_person_value("Agent 47", "full")
    assert is_person_value("Kwame", "given") and not is_person_value("Admin", "given")

"""Rule loader: valid packs load; invalid configs fail with exact one-line messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import redactproxy
from redactproxy.commands import rules as rules_cmd
from redactproxy.detect.patterns import example_failures
from redactproxy.detect.rules import (
    builtin_pack_paths,
    load_builtin_packs,
    load_pack,
    parse_rule,
    rule_header_lines,
)
from redactproxy.errors import ConfigError

GOOD = """\
# header comment
[[rules]]
id = "demo-token"
entity = "DEMO_TOKEN"
description = "Demo."
pattern = 'demo_[a-z]{8}'
keywords = ["demo_"]
[rules.examples]
match = ["x demo_abcdefgh"]
no_match = ["demo_abc"]

[[rules]]
id = "second"
entity = "SECOND"
pattern = 'sec_[0-9]{4}'
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pack.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_loads_good_pack_with_lines(tmp_path: Path) -> None:
    pack = load_pack(write(tmp_path, GOOD), verify_examples=True)
    assert [r.id for r in pack.rules] == ["demo-token", "second"]
    assert [r.line for r in pack.rules] == [2, 12]
    assert pack.rules[0].qualified_id == "pack.demo-token"
    assert pack.rules[1].action == "redact" and pack.rules[1].score == 0.9


BAD = [
    ("pattern = 'demo_[a-z'", "pattern: invalid regex (unterminated character set at "
     "position 9); the rule cannot run"),
    ("pattern = 'x'\nvalidator = 'nope'", "validator: unknown validator 'nope'; known: "
     "basic_auth, cn_landline, cn_resident_id, cn_uscc, credential_value, iban, ipv4, ipv6, "
     "jwt, luhn, phone, us_itin, us_ssn"),
    ("pattern = 'x'\naction = 'drop'", "action: 'drop' is not one of redact, mask, block, "
     "allow; the rule would not know what to do with a finding"),
    ("keywords = ['x']", "pattern: missing; the rule cannot run without it"),
    ("pattern = 'x'\nkeywords = ['ABC']", "keywords: 'ABC' is not a non-empty lower-case "
     "string; matching runs on lower-cased text, so it would never occur"),
    ("pattern = '(x)'\nsecret_group = 2", "secret_group: must be an integer from 0 to 1 (the "
     "pattern's group count); the value span would be undefined"),
    ("pattern = 'x'\nkeyword = ['x']", "keyword: unknown key; it would be silently ignored"),
    ("pattern = 'x'\nprefilter = '[0-9'", "prefilter: invalid regex (unterminated character "
     "set at position 4); the rule cannot run"),
    ("pattern = 'x'\nkeywords = ['x']\nprefilter = 'x'", "prefilter: only for rules without "
     "keywords (keywords already limit where the rule runs)"),
]


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_invalid_rule_messages(tmp_path: Path, extra: str, message: str) -> None:
    path = write(tmp_path, f"\n[[rules]]\nid = 'bad-rule'\nentity = 'BAD'\n{extra}\n")
    with pytest.raises(ConfigError) as e:
        load_pack(path)
    assert str(e.value) == f"{path}:2: rule 'bad-rule': {message}"


def test_duplicate_id(tmp_path: Path) -> None:
    body = "[[rules]]\nid = 'a'\nentity = 'A'\npattern = 'a'\n\n" * 2
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as e:
        load_pack(path)
    assert str(e.value) == (f"{path}:6: rule 'a': id: duplicate of the rule at line 1; ids "
                            "must be unique or findings could not be traced to one rule")


def test_missing_id(tmp_path: Path) -> None:
    path = write(tmp_path, "[[rules]]\nentity = 'A'\npattern = 'a'\n")
    with pytest.raises(ConfigError, match=r":1: rule '\?': id: missing or not a string"):
        load_pack(path)


def test_toml_syntax_error_names_path(tmp_path: Path) -> None:
    path = write(tmp_path, "[[rules]]\nid = \n")
    with pytest.raises(ConfigError) as e:
        load_pack(path)
    assert str(e.value).startswith(f"{path}: invalid TOML: ")
    assert "line 2" in str(e.value)


def test_failing_example(tmp_path: Path) -> None:
    body = GOOD.replace('no_match = ["demo_abc"]', 'no_match = ["demo_abcdefgh"]')
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as e:
        load_pack(path, verify_examples=True)
    assert str(e.value) == (f"{path}:2: rule 'demo-token': examples.no_match[0]: found by "
                            "this rule; it would redact what its author says is harmless")
    rule = load_pack(path).rules[0]
    assert example_failures(rule) == [str(e.value)]


def test_parse_rule_is_reusable_for_project_files() -> None:
    rule = parse_rule({"id": "corp-id", "entity": "CORP_ID", "pattern": r"CORP-\d{6}"},
                      ".redactproxy.toml", 7)
    assert rule.qualified_id == "corp-id" and rule.where == ".redactproxy.toml:7"


def test_header_lines_skip_multiline_strings() -> None:
    text = "[[rules]]\nx = '''\n[[rules]]\n'''\n[[rules]]\n"
    assert rule_header_lines(text) == [1, 5]


def test_entities_table_loaded() -> None:
    pii = next(p for p in load_builtin_packs(["pii"]))
    assert pii.entities["PERSON"]["min_score"] == 0.7
    assert set(pii.entities) == {"PERSON", "LOCATION", "NRP"}


def test_builtin_paths_found_next_to_package() -> None:
    names = [p.stem for p in builtin_pack_paths()]
    assert names == ["cn", "pii", "secrets"]
    root = Path(redactproxy.__file__).parent
    assert all(p.parent in (root / "_rules", root.parent / "rules") for p in builtin_pack_paths())


def test_unknown_builtin_pack() -> None:
    with pytest.raises(ConfigError, match="unknown rule pack 'nope'; built-in packs: cn, pii"):
        load_builtin_packs(["nope"])


def _cli(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="redactproxy")
    rules_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_check_and_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD)
    assert _cli(["rules", "check", str(path)]) == 0
    assert capsys.readouterr().out == f"ok: 2 rules in {path}\n"
    assert _cli(["rules", "test", str(path)]) == 0
    assert capsys.readouterr().out == "ok: 2/2 examples pass\n"
    path.write_text(GOOD.replace('match = ["x demo_abcdefgh"]', 'match = ["nothing"]'))
    assert _cli(["rules", "test", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:2: rule 'demo-token': examples.match[0]: no finding" in out
    assert out.endswith("FAILED: 1/2 examples pass\n")


def test_cli_builtin(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["rules", "test"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")

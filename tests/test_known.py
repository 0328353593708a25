"""KnownSecrets: hashed storage, loaders, matching anywhere."""

from __future__ import annotations

import json
from pathlib import Path

from redactproxy.detect.known import KnownSecrets, is_trivial_value, parse_env_file

SECRET = "Zq8-internal-Xk2Lm9"


def test_finds_value_in_any_format() -> None:
    known = KnownSecrets()
    assert known.add(SECRET, "env")
    for text in (f"pw={SECRET}", f'{{"p": "{SECRET}"}}', f"https://u:{SECRET}@h.example.org",
                 f"{SECRET}.suffix", f"[{SECRET}]"):
        [f] = known.analyze(text)
        assert text[f.start:f.end] == SECRET
        assert (f.entity, f.rule, f.action) == ("KNOWN_SECRET", "known.env", "redact")
    assert known.analyze(SECRET[:-1]) == []


def test_values_are_not_stored() -> None:
    known = KnownSecrets()
    known.add(SECRET, "env")
    blob = repr(known) + repr(vars(known) if hasattr(known, "__dict__") else "")
    assert SECRET not in blob
    assert all(SECRET.encode() not in k for k in known._sources)


def test_short_values_refused() -> None:
    assert not KnownSecrets().add("short", "env")


def test_trivial_values() -> None:
    for v in ("true", "8080", "1.2.3", "production", "https://example.org/x", "/usr/local/bin",
              "${OTHER}", "short", "hello world"):
        assert is_trivial_value(v), v
    for v in (SECRET, "postgres://u:pw12345@db/x", "sk-" + "a1" * 20):
        assert not is_trivial_value(v), v


def test_parse_env_file() -> None:
    text = "# c\nexport A='x y'\nB=\"q\" \nC=plain # note\nD\n"
    assert parse_env_file(text) == {"A": "x y", "B": "q", "C": "plain"}


def test_from_env_files(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DEBUG=true\nPORT=8080\nAPI_SECRET={SECRET}\n")
    (tmp_path / ".env.local").write_text("TOKEN='tok-Local-4f9Qz8'\n")
    (tmp_path / ".env.example").write_text("EXAMPLE=ignored-Value-123\n")
    known = KnownSecrets.from_env_files(tmp_path)
    assert len(known) == 2
    assert [f.rule for f in known.analyze(f"a {SECRET} b tok-Local-4f9Qz8")] == ["known.env"] * 2
    assert known.analyze("ignored-Value-123 true 8080") == []


def test_from_credential_files(tmp_path: Path) -> None:
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    (tmp_path / ".netrc").write_text("machine h.example.org login bob password Netrc-Pw-9x7\n")
    (tmp_path / ".npmrc").write_text("//registry.example.org/:_authToken=npm-Fake-Tok-123\n")
    (tmp_path / ".pypirc").write_text("[pypi]\nusername = __token__\npassword = pypi-Fake-9x\n")
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"r.example.org": {"auth": "Ym9iOkRvY2tlci1QdzE="}}}))
    known = KnownSecrets.from_credential_files(tmp_path)
    text = ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY Netrc-Pw-9x7 npm-Fake-Tok-123 "
            "pypi-Fake-9x Ym9iOkRvY2tlci1QdzE=")
    assert [f.rule for f in known.analyze(text)] == [
        "known.aws", "known.netrc", "known.npmrc", "known.pypirc", "known.docker"]


def test_missing_or_broken_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text("{not json")
    assert len(KnownSecrets.from_credential_files(tmp_path)) == 0


def test_fingerprint_follows_contents_and_repeats_are_all_found() -> None:
    from redactproxy.detect.known import KnownSecrets

    a, b = KnownSecrets(), KnownSecrets()
    a._key = b._key  # same key, same values: same fingerprint
    a.add("Zq8Xk2Lm9Pw4", "env")
    b.add("Zq8Xk2Lm9Pw4", "env")
    assert a.fingerprint() == b.fingerprint()
    b.add("correct horse 42 battery", "env")
    assert a.fingerprint() != b.fingerprint()
    text = "x=Zq8Xk2Lm9Pw4 y=Zq8Xk2Lm9Pw4.suffix\npass: correct horse 42 battery"
    assert [text[f.start:f.end] for f in b.analyze(text)] == [
        "Zq8Xk2Lm9Pw4", "Zq8Xk2Lm9Pw4", "correct horse 42 battery"]

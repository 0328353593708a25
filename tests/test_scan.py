"""``redactproxy scan``: JSON offsets and redaction, text highlighting, stdin, errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from redactproxy.cli import main

GHP = "ghp_" + "FAKE" + "0123456789abcdefghijklmnopqrstuv"[:32]
TEXT = f"token {GHP}\nmail alice@example.org\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REDACTPROXY_CONFIG", str(tmp_path / "no-user-config.toml"))
    return tmp_path


def test_json_offsets_and_redacted(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = project / "notes.txt"
    src.write_text(TEXT, encoding="utf-8")
    assert main(["scan", str(src), "--project", str(project), "--format", "json",
                 "--no-nlp"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(TEXT[f["start"]:f["end"]], f["entity"], f["rule"]) for f in out["findings"]] == [
        (GHP, "GITHUB_TOKEN", "secrets.github-pat"),
        ("alice@example.org", "EMAIL_ADDRESS", "pii.email"),
    ]
    assert set(out) == {"findings", "redacted"}
    assert set(out["findings"][0]) == {"entity", "start", "end", "rule", "score"}
    assert out["redacted"] == "token <GITHUB_TOKEN>\nmail <EMAIL_ADDRESS>\n"


def test_stdin_and_character_offsets(project: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"令牌：{GHP}"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["scan", "-", "--project", str(project), "--format", "json", "--no-nlp"]) == 0
    [f] = json.loads(capsys.readouterr().out)["findings"]
    assert text[f["start"]:f["end"]] == GHP


def test_project_rules_apply(project: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".redactproxy.toml").write_text('[terms]\ndeny = ["Project Falcon"]\n',
                                               encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("status of project falcon?"))
    assert main(["scan", "--project", str(project), "--format", "json", "--no-nlp"]) == 0
    assert json.loads(capsys.readouterr().out)["redacted"] == "status of <TERM>?"


def test_text_mode_labels_and_summary(project: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEXT))
    assert main(["scan", "-", "--project", str(project), "--no-nlp"]) == 0
    out = capsys.readouterr().out
    assert f"{GHP}[GITHUB_TOKEN]" in out and "alice@example.org[EMAIL_ADDRESS]" in out
    assert "2 finding(s): 1 GITHUB_TOKEN, 1 EMAIL_ADDRESS" in out


def test_nothing_found(project: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("def add(a, b):\n    return a + b\n"))
    assert main(["scan", "--project", str(project), "--format", "json", "--no-nlp"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"findings": [], "redacted": "def add(a, b):\n    return a + b\n"}


def test_missing_file_is_one_line_error(project: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(project / "absent.txt"), "--project", str(project)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("redactproxy: cannot read ") and err.count("\n") == 1


def test_broken_rule_file_is_one_line_error(project: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".redactproxy.toml").write_text("[terms]\ndeny = 3\n", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("x"))
    assert main(["scan", "--project", str(project), "--no-nlp"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("redactproxy: ") and err.count("\n") == 1


ZH = ("客户王建华反馈无法登录，电话010-62345678，请寄到四川省成都市武侯区人民路570号11栋2501室"
      "（邮编610041）。\n护照号码：EA1234567，车牌粤B12345，QQ：123456789，微信号：zhang_wei88\n"
      'user = User(name="Maria Gonzalez")\n')


def test_json_reports_chinese_and_code_data_entities(
        project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDACTPROXY_HOME", str(project / "home"))
    monkeypatch.setattr("sys.stdin", io.StringIO(ZH))
    assert main(["scan", "-", "--project", str(project), "--format", "json", "--no-nlp"]) == 0
    out = json.loads(capsys.readouterr().out)
    got = [(ZH[f["start"]:f["end"]], f["entity"], f["rule"]) for f in out["findings"]]
    assert got == [
        ("王建华", "PERSON", "zh.person"),
        ("010-62345678", "PHONE_NUMBER", "cn.cn-landline"),
        ("四川省成都市武侯区人民路570号11栋2501室（邮编610041）", "CN_ADDRESS", "cn.cn-address"),
        ("EA1234567", "CN_PASSPORT", "cn.cn-passport-new"),
        ("粤B12345", "CN_LICENCE_PLATE", "cn.cn-licence-plate"),
        ("123456789", "CN_QQ", "cn.cn-qq"),
        ("zhang_wei88", "CN_WECHAT_ID", "cn.cn-wechat-id"),
        ("Maria Gonzalez", "PERSON", "code.person"),
    ]

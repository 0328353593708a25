"""``redactproxy redact`` / ``restore``: same detector, vault and numbering as the proxy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.values import EMAIL, EMAIL2, GITHUB
from tests.fakes.upstream import FakeUpstream

CHAT = "https://api.openai.com/v1/chat/completions"


def _cli(env: dict[str, str], *args: str, stdin: str | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "redactproxy", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.fixture
def env(tmp_path: Path, secret_service) -> dict[str, str]:
    e = dict(os.environ, REDACTPROXY_HOME=str(tmp_path / "home"),
             REDACTPROXY_CONFIG=str(tmp_path / "no-user.toml"))
    e.pop("DISPLAY", None)
    e.pop("WAYLAND_DISPLAY", None)
    return e


@pytest.fixture
def project(tmp_path: Path) -> Path:
    p = tmp_path / "project"
    p.mkdir()
    return p


def test_round_trip_is_stable(env: dict[str, str], project: Path, tmp_path: Path) -> None:
    text = f"Ask {EMAIL} about token {GITHUB}, then {EMAIL} again.\n"
    src = tmp_path / "draft.txt"
    src.write_text(text)
    first = _cli(env, "redact", str(src), "--project", str(project), "--no-nlp")
    assert first.returncode == 0, first.stderr
    assert first.stdout == ("Ask <EMAIL_ADDRESS_1> about token <GITHUB_TOKEN_1>, then "
                            "<EMAIL_ADDRESS_1> again.\n")
    assert "redacted 3 value(s)" in first.stderr and EMAIL not in first.stderr
    again = _cli(env, "redact", "-", "--project", str(project), "--no-nlp", stdin=text)
    assert again.stdout == first.stdout
    answer = "Sure: I will write to <EMAIL_ADDRESS_1>. <EMAIL_ADDRESS_7> is unknown."
    back = _cli(env, "restore", "--project", str(project), stdin=answer)
    assert back.returncode == 0, back.stderr
    assert back.stdout == f"Sure: I will write to {EMAIL}. <EMAIL_ADDRESS_7> is unknown."
    assert "restored 1 placeholder(s)" in back.stderr
    other = tmp_path / "other"
    other.mkdir()
    elsewhere = _cli(env, "restore", "--project", str(other), stdin=answer)
    assert elsewhere.stdout == answer  # numbering is per project


def test_masks_stay_masked(env: dict[str, str], project: Path) -> None:
    (project / ".redactproxy.toml").write_text('[entities.EMAIL_ADDRESS]\naction = "mask"\n')
    out = _cli(env, "redact", "--project", str(project), "--no-nlp", stdin=f"mail {EMAIL}")
    assert out.stdout == "mail <EMAIL_ADDRESS>"
    back = _cli(env, "restore", "--project", str(project), stdin=out.stdout)
    assert back.stdout == "mail <EMAIL_ADDRESS>"


def test_same_numbering_as_the_running_proxy(env: dict[str, str], proxy_factory,
                                             upstream: FakeUpstream, tmp_path: Path) -> None:
    home, project = Path(env["REDACTPROXY_HOME"]), tmp_path / "project"
    project.mkdir(exist_ok=True)
    pp = proxy_factory(home=home, project=project, args=["--no-nlp"], wait_detector=False)
    msg = {"model": "gpt-4o", "messages": [{"role": "user", "content": f"to {EMAIL}"}]}
    with pp.client() as c:
        assert c.post(CHAT, json=msg).status_code == 200
    assert "<EMAIL_ADDRESS_1>" in upstream.last().body.decode()
    # the CLI numbers a new value after the proxy's, in the same vault...
    out = _cli(env, "redact", "--project", str(project), "--no-nlp",
               stdin=f"{EMAIL} and {EMAIL2}")
    assert out.stdout == "<EMAIL_ADDRESS_1> and <EMAIL_ADDRESS_2>", out.stderr
    # ...and the running proxy, which has not seen EMAIL2 yet, uses the CLI's number for it
    msg["messages"][0]["content"] = f"cc {EMAIL2}"  # type: ignore[index]
    with pp.client() as c:
        r = c.post(CHAT, json=msg)
    assert r.status_code == 200, r.text
    assert "cc <EMAIL_ADDRESS_2>" in upstream.last().body.decode()
    assert EMAIL2 in r.text


def test_clipboard_missing_is_a_clear_error(env: dict[str, str], project: Path) -> None:
    r = _cli(env, "redact", "--clipboard", "--project", str(project), "--no-nlp")
    assert r.returncode == 1
    assert r.stderr.startswith("redactproxy: --clipboard: no clipboard found")


def test_restore_without_keyring_refuses(project: Path, no_keyring_env: dict[str, str],
                                         tmp_path: Path) -> None:
    e = dict(no_keyring_env, REDACTPROXY_HOME=str(tmp_path / "h"))
    r = _cli(e, "restore", "--project", str(project), stdin="<EMAIL_ADDRESS_1>")
    assert r.returncode == 1 and "no persistent vault" in r.stderr
    red = _cli(e, "redact", "--project", str(project), "--no-nlp", stdin=f"x {EMAIL}")
    assert red.stdout == "x <EMAIL_ADDRESS_1>" and "in memory only" in red.stderr

"""``redactproxy redact`` / ``restore``: same detector, vault and numbering as the proxy."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
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


@pytest.fixture
def x_display(tmp_path: Path) -> Iterator[str]:
    """A real X server (Xvfb) with a clipboard; its DISPLAY."""
    import shutil
    import time

    if not (shutil.which("Xvfb") and shutil.which("xclip")):
        pytest.fail("Xvfb and xclip not found: apt-get install xvfb xclip (.ci/run does)")
    for n in range(91, 120):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not Path(f"/tmp/.X11-unix/X{n}").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        yield f":{n}"
    finally:
        proc.terminate()
        proc.wait(10)


def _clip(display: str, text: str | None = None) -> str:
    env = dict(os.environ, DISPLAY=display)
    if text is None:
        return subprocess.run(["xclip", "-selection", "clipboard", "-o"], env=env,
                              capture_output=True, text=True, timeout=30).stdout
    subprocess.run(["xclip", "-selection", "clipboard"], input=text, env=env, text=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    return text


def test_clipboard_round_trip(env: dict[str, str], project: Path, x_display: str,
                              tmp_path: Path) -> None:
    env = dict(env, DISPLAY=x_display)
    _clip(x_display, f"Reply to {EMAIL} please")
    out, err = tmp_path / "out", tmp_path / "err"
    with out.open("w") as o, err.open("w") as e:  # xclip keeps serving: no pipes to wait on
        code = subprocess.call([sys.executable, "-m", "redactproxy", "redact", "--clipboard",
                                "--project", str(project), "--no-nlp"], env=env, stdout=o,
                               stderr=e, timeout=300)
    assert code == 0, err.read_text()
    assert _clip(x_display) == "Reply to <EMAIL_ADDRESS_1> please"
    assert out.read_text() == "" and "clipboard now holds the result" in err.read_text()
    _clip(x_display, "Done: wrote to <EMAIL_ADDRESS_1>.")
    with out.open("w") as o, err.open("w") as e:
        code = subprocess.call([sys.executable, "-m", "redactproxy", "restore", "--clipboard",
                                "--project", str(project)], env=env, stdout=o, stderr=e,
                               timeout=300)
    assert code == 0, err.read_text()
    assert _clip(x_display) == f"Done: wrote to {EMAIL}."

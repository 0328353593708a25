"""``redactproxy keys`` as a user runs it: a real process against a real Secret Service."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from redactproxy.keys import SERVICE, KeyStore
from tests.keyring_service import SecretService

ROOT = Path(__file__).resolve().parents[1]

ENTRY = [sys.executable, "-m", "redactproxy"]


def run(*args: str, stdin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ENTRY, *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env if env is not None else os.environ.copy(),
                          timeout=60, check=False)


def _key() -> str:
    return "sk-test-" + secrets.token_hex(16)


def test_set_list_delete(clean_keyring: SecretService) -> None:
    key = _key()
    r = run("keys", "set", "openai", "--stdin", stdin=key + "\n")
    assert r.returncode == 0, r.stderr
    fp = KeyStore().list()[0].fingerprint
    assert r.stdout == (f"stored openai key {fp} for api.openai.com; tools use "
                        "$OPENAI_API_KEY from `redactproxy env`\n")
    assert KeyStore().get("openai") == key

    r = run("keys", "list")
    assert r.returncode == 0 and r.stderr == ""
    header, row = r.stdout.splitlines()
    assert header.split() == ["PROVIDER", "HOSTS", "STORED", "FINGERPRINT"]
    assert row.split()[0] == "openai" and row.split()[1] == "api.openai.com"
    assert row.endswith(fp) and len(fp) == 8
    assert key not in r.stdout

    r = run("keys", "delete", "openai")
    assert (r.returncode, r.stdout) == (0, "deleted openai key\n")
    assert run("keys", "list").stdout == "no keys stored; add one with: redactproxy keys set " \
                                         "PROVIDER\n"


def test_list_never_shows_keys_or_standins(clean_keyring: SecretService) -> None:
    keys = {"anthropic": _key(), "gemini": _key()}
    for provider, key in keys.items():
        assert run("keys", "set", provider, "--stdin", stdin=key).returncode == 0
    assert run("keys", "set", "relay", "--host", "api.relay.example.org", "--header",
               "X-Relay-Key", "--stdin", stdin=_key()).returncode == 0
    out = run("keys", "list")
    text = out.stdout + out.stderr
    for s in KeyStore().list():
        assert s.standin not in text
    for key in keys.values():
        assert key not in text and key[:12] not in text
    assert [line.split()[0] for line in out.stdout.splitlines()[1:]] == [
        "anthropic", "gemini", "relay"]


def test_rotate(clean_keyring: SecretService) -> None:
    assert run("keys", "set", "openai", "--stdin", stdin=_key()).returncode == 0
    standin = KeyStore().standin_for("openai")
    new = _key()
    r = run("keys", "set", "openai", "--stdin", stdin=new)
    assert r.returncode == 0 and r.stdout.startswith("rotated openai key ")
    assert KeyStore().get("openai") == new
    assert KeyStore().standin_for("openai") == standin


def test_90_day_warning(clean_keyring: SecretService) -> None:
    store = KeyStore()
    store.set("openai", _key())
    store.set("anthropic", _key())
    meta = json.loads(store.backend.get_password(SERVICE, "meta") or "")
    old = datetime.now(UTC) - timedelta(days=120)
    meta["providers"]["openai"]["stored_at"] = old.isoformat()
    store.backend.set_password(SERVICE, "meta", json.dumps(meta))

    r = run("keys", "list")
    assert r.returncode == 0
    assert r.stderr == ("redactproxy: warning: openai key is 120 days old (over 90); rotate it "
                        "with: redactproxy keys set openai\n")
    assert old.strftime("%Y-%m-%d") in r.stdout


def test_no_keyring_refuses_before_prompting(no_keyring_env: dict[str, str]) -> None:
    r = run("keys", "set", "openai", "--stdin", stdin=_key(), env=no_keyring_env)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == ("redactproxy: no Secret Service: install gnome-keyring (or KeePassXC) "
                        "and run inside a D-Bus session; see README (keyring backend "
                        "keyring.backends.fail.Keyring is not a secure OS keyring; check "
                        "PYTHON_KEYRING_BACKEND and keyringrc.cfg)\n")


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring",
                                     "keyring.backends.null.Keyring"])
def test_explicit_insecure_backend_refused(no_keyring_env: dict[str, str],
                                           backend: str) -> None:
    env = dict(no_keyring_env, PYTHON_KEYRING_BACKEND=backend)
    for args in (("keys", "set", "openai", "--stdin"), ("keys", "list"),
                 ("keys", "delete", "openai")):
        r = run(*args, stdin=_key(), env=env)
        assert r.returncode == 1
        assert r.stderr.startswith("redactproxy: no Secret Service: install gnome-keyring")
        assert f"keyring backend {backend} is not a secure OS keyring" in r.stderr
        assert r.stderr.count("\n") == 1


def test_no_tty_without_stdin_flag(clean_keyring: SecretService) -> None:
    r = run("keys", "set", "openai", stdin=_key())
    assert (r.returncode, r.stderr) == (1, "redactproxy: no terminal to prompt for the key on: "
                                           "pass --stdin and pipe it in\n")
    assert KeyStore().list() == []


@pytest.mark.parametrize(("args", "message"), [
    (("keys", "set", "nosuch", "--stdin"), "redactproxy: unknown provider nosuch: give --host"),
    (("keys", "delete", "openai"), "redactproxy: no key stored for provider openai\n"),
    (("keys", "set", "relay", "--host", "https://x.example.org/v1", "--stdin"),
     "redactproxy: invalid host 'https://x.example.org/v1'"),
])
def test_errors_are_one_line(clean_keyring: SecretService, args: tuple[str, ...],
                             message: str) -> None:
    r = run(*args, stdin=_key())
    assert r.returncode == 1 and r.stderr.startswith(message)
    assert r.stderr.count("\n") == 1


def test_prompt_uses_getpass_without_echo(clean_keyring: SecretService) -> None:
    """Through a real pseudo-terminal: the key is read with echo off and never printed."""
    import pty

    key = _key()
    pid, fd = pty.fork()
    if pid == 0:  # child: the CLI on a terminal
        os.chdir(ROOT)
        os.execve(ENTRY[0], [*ENTRY, "keys", "set", "openai"], os.environ.copy())
    import select

    out = b""
    while b"input hidden" not in out:
        ready, _, _ = select.select([fd], [], [], 30)
        assert ready, f"no prompt within 30 s: {out!r}"
        out += os.read(fd, 1024)
    os.write(fd, key.encode() + b"\n")
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    assert key.encode() not in out
    assert KeyStore().get("openai") == key

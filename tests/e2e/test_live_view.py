"""The live view of ``redactproxy start`` on a real terminal (tmux), fed by the official SDKs.

The proxy runs WITHOUT ``--no-ui`` in a detached tmux session of a fixed size, routed to the
fake upstream like ``tests.proxyproc`` does; the test reads the screen with
``tmux capture-pane`` and finally presses C-c, as a user would, and checks the terminal it
leaves behind (exit 0, cursor visible, no stacked or half-drawn frames, no traceback).

Set ``REDACTPROXY_WRITE_CAPTURE=1`` to refresh ``docs/live-view.txt`` from the capture.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx2
import pytest

from tests.e2e.values import EMAIL, EMAIL2, GITHUB
from tests.fakes.certs import DEFAULT_HOSTS, TestCA
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import free_port

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
              pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")]

WIDTH, HEIGHT = 200, 50
PHONE = "202-555-0143"
RAW = (EMAIL, EMAIL2, GITHUB, PHONE, "555-0143", GITHUB[4:20])
PROMPT = "user@host:~$ "
DOCS = Path(__file__).resolve().parents[2] / "docs" / "live-view.txt"


@dataclass
class TmuxProxy:
    """``redactproxy start`` with its live view, running in a detached tmux session."""

    socket: str
    port: int
    home: Path
    trust: Path
    status: Path

    @property
    def url(self) -> str:
        secret = (self.home / "proxy-secret").read_text().strip()
        return f"http://:{secret}@127.0.0.1:{self.port}"

    def tmux(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                             text=True, timeout=15)
        if out.returncode:
            raise AssertionError(f"tmux {' '.join(args)} failed: {out.stderr}")
        return out.stdout

    def screen(self) -> str:
        """The visible screen, trailing blanks removed."""
        lines = self.tmux("capture-pane", "-p", "-t", "rp").splitlines()
        return "\n".join(line.rstrip() for line in lines).rstrip("\n")

    def history(self) -> str:
        """Scrollback and screen together."""
        return self.tmux("capture-pane", "-p", "-S", "-", "-t", "rp")

    def cursor(self) -> tuple[bool, int, int]:
        """(visible, x, y) of the pane's cursor."""
        flag, x, y = self.tmux("display-message", "-p", "-t", "rp",
                               "#{cursor_flag} #{cursor_x} #{cursor_y}").split()
        return flag == "1", int(x), int(y)

    def wait_screen(self, check: Callable[[str], bool], what: str,
                    timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"the screen never showed {what}; last screen:\n{screen}")

    def wait_for(self, needle: str, timeout: float = 60.0) -> str:
        return self.wait_screen(lambda s: needle in s, repr(needle), timeout)

    def client(self) -> httpx2.Client:
        ctx = ssl.create_default_context(cafile=str(self.trust))
        return httpx2.Client(proxy=self.url, verify=ctx, trust_env=False)

    def openai(self) -> object:
        import openai

        return openai.OpenAI(api_key="sk-test-fake", max_retries=0, http_client=self.client())

    def anthropic(self) -> object:
        import anthropic

        return anthropic.Anthropic(api_key="sk-ant-test-fake", max_retries=0,
                                   http_client=self.client())

    def exit_code(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status.exists() and self.status.read_text().strip():
                return int(self.status.read_text())
            time.sleep(0.1)
        raise AssertionError(f"the proxy did not exit; screen:\n{self.screen()}")


def _start(upstream: FakeUpstream, test_ca: TestCA, tmp: Path,
           env: dict[str, str]) -> Iterator[TmuxProxy]:
    home, project = tmp / "home", tmp / "acme-billing"
    home.mkdir()
    project.mkdir()
    (project / ".redactproxy.toml").write_text('[detect]\npacks = ["secrets", "pii"]\n')
    port = free_port()
    cmd = [sys.executable, "-m", "redactproxy", "start", "--listen-port", str(port),
           "--project", str(project), "--upstream-ca", str(test_ca.cert_path)]
    for host in DEFAULT_HOSTS:
        if not host.replace(".", "").isdigit() and host != "localhost":
            cmd += ["--resolve", f"{host}:443=127.0.0.1:{upstream.port}"]
    status = tmp / "exit-status"
    full_env = {**env, "REDACTPROXY_HOME": str(home)}
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "TMUX"):
        full_env.pop(name, None)
    # The pane runs a script so that, once the proxy exits, a "prompt" is printed right
    # where the proxy left the cursor: what a user's shell would do.
    script = tmp / "run.sh"
    script.write_text(
        "#!/bin/bash\n"
        f"cd {shlex.quote(str(project))}\n"
        f"{shlex.join(cmd)}\n"
        f"echo $? > {shlex.quote(str(status))}\n"
        f"printf %s {shlex.quote(PROMPT)}\n"
        "exec sleep 600\n")
    sock = f"rp-live-{os.getpid()}-{secrets.token_hex(4)}"
    tp = TmuxProxy(sock, port, home, home / "trust.pem", status)
    subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "rp",
                    "-x", str(WIDTH), "-y", str(HEIGHT), "bash", str(script)],
                   env={**full_env, "TERM": "xterm-256color"}, check=True, timeout=15)
    try:
        tp.wait_for("listening", timeout=60)
        ca = home / "mitmproxy" / "mitmproxy-ca-cert.pem"
        tp.trust.write_text(ca.read_text() + test_ca.cert_path.read_text())
        yield tp
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True, timeout=15)


@pytest.fixture
def live_no_keyring(fake_upstream: FakeUpstream, test_ca: TestCA, tmp_path: Path,
                    no_keyring_env: dict[str, str]) -> Iterator[TmuxProxy]:
    """The live view on a machine without an OS keyring (vault in memory)."""
    fake_upstream.reset()
    yield from _start(fake_upstream, test_ca, tmp_path, no_keyring_env)
    fake_upstream.reset()


@pytest.fixture
def live(fake_upstream: FakeUpstream, test_ca: TestCA, tmp_path: Path,
         secret_service: object) -> Iterator[TmuxProxy]:
    """The live view with a real Secret Service (persistent vault)."""
    fake_upstream.reset()
    yield from _start(fake_upstream, test_ca, tmp_path, dict(os.environ))
    fake_upstream.reset()


def _chat(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def send_traffic(tp: TmuxProxy) -> None:
    """Realistic synthetic traffic: PII, a key, a swapped model, a stream, Anthropic."""
    oa = tp.openai()
    oa.chat.completions.create(  # type: ignore[attr-defined]
        model="gpt-4o", messages=_chat(f"Please email {EMAIL} and call {PHONE} about the "
                                       "renewal."),
        extra_headers={"x-fake-prompt-tokens": "1204"})
    oa.chat.completions.create(  # type: ignore[attr-defined]
        model="gpt-4o", messages=_chat("Summarise the release notes in three bullets."),
        extra_headers={"x-fake-served-model": "gpt-4o-mini"})
    stream = oa.chat.completions.create(  # type: ignore[attr-defined]
        model="gpt-4o", stream=True,
        messages=_chat(f"CI fails with token {GITHUB}; why?"),
        extra_headers={"x-fake-served-model": "gpt-4o-2024-08-06"})
    for _ in stream:
        pass
    an = tp.anthropic()
    an.messages.create(  # type: ignore[attr-defined]
        model="claude-sonnet-4-5", max_tokens=200,
        messages=[{"role": "user", "content": f"Draft a reply to {EMAIL2}."}],
        extra_headers={"x-fake-served-model": "claude-sonnet-4-5-20250929"})


def assert_no_raw(text: str) -> None:
    for value in RAW:
        assert value not in text, f"a raw synthetic value is on the screen: {value[:6]}…"


def _rows(screen: str) -> list[str]:
    """The request rows (lines starting with a clock and the project name)."""
    return [ln for ln in screen.splitlines() if re.match(r"\d\d:\d\d:\d\d acme-billing ", ln)]


def _settled(screen: str, n: int) -> bool:
    """``n`` rows on the screen, every one finished (ttfb and total shown)."""
    rows = _rows(screen)
    return len(rows) == n and all(re.search(r" (yes|no) +[\d,]+ +[\d,]+ ", r) for r in rows)


def _wait_traffic_shown(tp: TmuxProxy) -> str:
    return tp.wait_screen(lambda s: _settled(s, 4), "4 finished rows")


def test_live_view_shows_traffic_masked(live_no_keyring: TmuxProxy) -> None:
    tp = live_no_keyring
    screen = tp.wait_for("detector ready", timeout=120)
    head = screen.splitlines()[0]
    assert f"listening http://127.0.0.1:{tp.port} (forward proxy)" in head
    assert "projects acme-billing " in head, head  # the project's name, not its path
    assert "rules secrets, pii " in head, head  # the packs its rule file selects
    assert "vault in-memory" in head
    send_traffic(tp)
    screen = _wait_traffic_shown(tp)
    assert screen.count("no usable OS keyring: the placeholder vault lives in memory") == 1
    assert "requests 4  redacted 4  restored 4  blocked/refused 0  alerts 2" in screen
    rows = _rows(screen)
    assert len(rows) == 4, screen
    claude, stream, swapped, pii = rows  # newest first
    assert "api.anthropic.com" in claude and "claude-sonnet-4-5 → …-20250929" in claude
    assert "EMAIL_ADDRESS×1" in claude and "passed" in claude
    assert "gpt-4o → …-2024-08-06" in stream and "GITHUB_TOKEN×1" in stream
    assert " yes " in stream  # streamed
    assert "gpt-4o → gpt-4o-mini ⚠" in swapped and " — " in swapped
    assert "EMAIL_ADDRESS×1 PHONE_NUMBER×1" in pii and "1,204/" in pii
    findings = screen[screen.index("latest findings"):screen.index("alerts\n")]
    assert re.search(r"GITHUB_TOKEN +secrets\.github-pat +<GITHUB_TOKEN_1> .*"
                     r"••• fails with token ghp_•••Er6; why\?", findings), findings
    assert re.search(r"PHONE_NUMBER +pii\.phone-us +<PHONE_NUMBER_1> .*call •••43 ", findings)
    assert re.search(r"EMAIL_ADDRESS +pii\.email +<EMAIL_ADDRESS_1> .*"
                     r"••• email j•••@e•••\.org and call •••43", findings)  # capitalised: masked
    assert "••• a reply to o•••@e•••.net." in findings
    alerts = screen[screen.index("alerts\n"):]
    assert "api.openai.com model substitution: requested gpt-4o, served gpt-4o-mini" in alerts
    assert "billing anomaly: 1204 prompt tokens billed" in alerts
    assert "2024-08-06" not in alerts  # a pinned version of the alias is no substitution
    assert not tp.cursor()[0], "the cursor should be hidden while the view runs"
    assert_no_raw(screen)
    assert_no_raw(tp.history())


def _doc_capture(screen: str) -> str:
    """The capture for the README: tmp paths and ports made stable."""
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:8080", screen)


def _press_ctrl_c(tp: TmuxProxy) -> str:
    tp.tmux("send-keys", "-t", "rp", "C-c")
    assert tp.exit_code() == 0, tp.screen()
    return tp.wait_for(PROMPT.rstrip(), timeout=10)


def test_ctrl_c_exits_0_and_restores_the_cursor(live_no_keyring: TmuxProxy) -> None:
    tp = live_no_keyring
    tp.wait_for("detector ready", timeout=120)
    send_traffic(tp)
    _wait_traffic_shown(tp)
    screen = _press_ctrl_c(tp)
    visible, x, y = tp.cursor()
    assert visible, "the cursor is still hidden after exit"
    lines = screen.splitlines()
    # The prompt sits right under the last frame, at the cursor.
    assert lines[-1] == PROMPT.rstrip() and (x, y) == (len(PROMPT), len(lines) - 1)
    assert lines[-2].startswith("⚠ ")  # the last frame ends with its alerts, whole
    assert "Traceback" not in tp.history() and "Error" not in tp.history()


def test_ctrl_c_leaves_one_whole_last_frame(live_no_keyring: TmuxProxy) -> None:
    tp = live_no_keyring
    tp.wait_for("detector ready", timeout=120)
    # C-c goes to the whole foreground process group: a detector child that took it would
    # die printing "Process redactproxy-detector:" + a traceback into the view, which then
    # redraws one line low (header twice). Checked deterministically first (it must ignore
    # SIGINT or sit in another process group), then on the screen (racy without the fix).
    pane = int(tp.tmux("display-message", "-p", "-t", "rp", "#{pane_pid}"))
    detectors = [p for p in _descendants(pane) if b"multiprocessing.spawn" in _cmdline(p)]
    assert detectors, "no detector process found"
    for pid in detectors:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        pgrp, tpgid = int(stat[2]), int(stat[5])
        sig_ign = int(re.search(r"SigIgn:\s*([0-9a-f]+)",
                                Path(f"/proc/{pid}/status").read_text())[1], 16)
        assert pgrp != tpgid or sig_ign & (1 << 1), "C-c would interrupt the detector"
    send_traffic(tp)
    _wait_traffic_shown(tp)
    _press_ctrl_c(tp)
    history = tp.history()
    assert "Process redactproxy-detector" not in history
    assert "KeyboardInterrupt" not in history
    assert history.count("redactproxy listening") == 1, history


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(d.name)] = int(stat[1])
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        todo += kids
    return out


def test_header_follows_the_detector_and_persistent_vault(live: TmuxProxy) -> None:
    tp = live
    first = tp.screen().splitlines()[0]
    assert re.search(r"detector (loading|ready)", first), first
    screen = tp.wait_for("detector ready", timeout=120)
    assert "vault persistent" in screen
    assert "no usable OS keyring" not in screen
    notices = [line for line in screen.splitlines() if line.startswith("! ")]
    assert notices == ['! next: eval "$(redactproxy env)"   or   redactproxy run -- <your tool>']
    send_traffic(tp)
    screen = _wait_traffic_shown(tp)
    assert "vault persistent" in screen and "no usable OS keyring" not in screen
    assert_no_raw(screen)
    if os.environ.get("REDACTPROXY_WRITE_CAPTURE") == "1":  # docs/live-view.txt, for the README
        DOCS.write_text(_doc_capture(screen) + "\n", encoding="utf-8")


def test_burst_and_long_stream_keep_the_view_responsive(live: TmuxProxy,
                                                         fake_upstream: FakeUpstream) -> None:
    tp = live
    tp.wait_for("detector ready", timeout=120)
    oa = tp.openai()
    long_reply = quote("All good. " * 300)  # ~1,000 events of 3 characters

    def stream() -> float:
        t0 = time.monotonic()
        s = oa.chat.completions.create(  # type: ignore[attr-defined]
            model="gpt-4o", stream=True, messages=_chat(f"long answer for {EMAIL}"),
            extra_headers={"x-fake-reply": long_reply, "x-fake-event-delay": "0.005",
                           "x-fake-hold-last": "1"})
        for _ in s:
            pass
        return time.monotonic() - t0

    def one(i: int) -> None:
        with tp.client() as c:
            r = c.post("https://api.openai.com/v1/chat/completions", json={
                "model": "gpt-4o", "messages": _chat(f"burst {i} mail {EMAIL2}")},
                headers={"authorization": "Bearer sk-test-fake"})
        assert r.status_code == 200, r.text

    with ThreadPoolExecutor(12) as pool:
        long_one = pool.submit(stream)
        # The long stream is still running (its last event is held back by the upstream
        # until released) while the burst shows up on the screen.
        try:
            list(pool.map(one, range(50)))
            screen = tp.wait_for("requests 51 ", timeout=60)
            assert not long_one.done(), "the stream ended before the burst"
        finally:
            fake_upstream.release.set()
        long_one.result(timeout=120)
    screen = tp.wait_screen(lambda s: bool(re.search(r" yes +[\d,]+ +\d{1,3}(,\d{3})+ ", s)),
                            "the long stream's row finished", timeout=60)
    lines = screen.splitlines()
    assert len(lines) <= HEIGHT
    assert "requests 51  redacted 51  restored 50 " in lines[1]
    assert lines[0].startswith("redactproxy listening")  # the frame fits: nothing scrolled
    assert tp.history().count("redactproxy listening") == 1
    assert_no_raw(tp.history())

"""``redactproxy service``: the systemd user unit passes ``systemd-analyze verify``; launchd plist.

No ``systemd --user`` runs in CI, so install writes the unit, fails to start it, and prints
the commands; the unit file itself is checked by systemd's own verifier.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from redactproxy.service import launchd_plist, service_files, start_command, systemd_unit


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "redactproxy", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = dict(os.environ, HOME=str(tmp_path / "user"), XDG_CONFIG_HOME=str(tmp_path / "config"),
             REDACTPROXY_HOME=str(tmp_path / "data dir"))
    e.pop("DBUS_SESSION_BUS_ADDRESS", None)  # no user session bus: no systemd --user
    e.pop("XDG_RUNTIME_DIR", None)
    return e


@pytest.mark.skipif(sys.platform != "linux", reason="systemd unit")
def test_install_writes_a_unit_systemd_accepts(env: dict[str, str], tmp_path: Path) -> None:
    r = _cli(env, "service", "install", "--port", "18080", "--project", str(tmp_path))
    unit = tmp_path / "config" / "systemd" / "user" / "redactproxy.service"
    assert f"wrote {unit}" in r.stdout
    assert r.returncode == 1 and "systemctl --user enable --now redactproxy.service" in r.stdout
    text = unit.read_text()
    assert f"ExecStart={sys.executable} -m redactproxy start --no-ui --listen-port 18080" in text
    assert "Restart=on-failure" in text and "WantedBy=default.target" in text
    assert f'Environment="REDACTPROXY_HOME={tmp_path}/data dir"' in text
    if not shutil.which("systemd-analyze"):
        pytest.fail("systemd-analyze not found: apt-get install systemd (.ci/run does)")
    v = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                       timeout=120)
    problems = [line for line in (v.stdout + v.stderr).splitlines() if str(unit) in line]
    assert v.returncode == 0 and not problems, v.stdout + v.stderr

    status = _cli(env, "service", "status")
    assert f"installed: {unit}" in status.stdout
    assert "fail  proxy" in status.stdout  # nothing is running it here
    r = _cli(env, "service", "uninstall")
    assert r.returncode == 0 and not unit.exists()
    assert _cli(env, "service", "status").returncode == 3


def test_a_broken_unit_fails_verification(tmp_path: Path) -> None:
    # The verifier is not a rubber stamp: a unit with a relative ExecStart is rejected.
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    unit = tmp_path / "redactproxy.service"
    unit.write_text(systemd_unit(["python3", "-m", "redactproxy"], {}).replace(
        "ExecStart=python3", "ExecStart=no/such/python3"))
    v = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                       timeout=120)
    assert v.returncode != 0 and "no/such/python3" in v.stderr


def test_systemd_quoting_keeps_arguments_whole(tmp_path: Path) -> None:
    argv = start_command(8080, Path("/home/me/my project"))
    text = systemd_unit(argv, {"REDACTPROXY_HOME": "/x/50% $HOME"})
    assert '"/home/me/my project"' in text
    assert 'Environment="REDACTPROXY_HOME=/x/50%% $$HOME"' in text


def test_launchd_agent(tmp_path: Path) -> None:
    argv = start_command(8080, tmp_path)
    data = plistlib.loads(launchd_plist(argv, {"REDACTPROXY_HOME": "/h"}, tmp_path / "log"))
    assert data["ProgramArguments"] == argv and "--no-ui" in argv
    assert data["RunAtLoad"] is True and data["KeepAlive"] == {"SuccessfulExit": False}
    assert data["EnvironmentVariables"] == {"REDACTPROXY_HOME": "/h"}
    files = service_files("darwin")
    assert files.path.name == "dev.redactproxy.proxy.plist"
    assert files.enable[0][:2] == ("launchctl", "bootstrap")
    with pytest.raises(ValueError, match="win32"):
        service_files("win32")

"""Pytest plugin: a real Secret Service (gnome-keyring on a private D-Bus) for the test session.

Tests never replace ``keyring`` with an in-memory fake: the point is to prove keys land in a
real OS keyring and that a machine without one is refused. Wire it from ``tests/conftest.py``::

    pytest_plugins = ["tests.keyring_service"]

Fixtures:

* ``secret_service`` (session): starts ``dbus-run-session`` + ``gnome-keyring-daemon`` with a
  throw-away HOME/XDG dirs, points ``os.environ`` (so also every subprocess, e.g. the proxy in
  e2e tests) at it, and stops it at the end of the session.
* ``clean_keyring`` (function): ``secret_service`` with every ``redactproxy`` item removed
  before and after the test.
* ``no_keyring_env`` (function): an environment dict for subprocesses in which no Secret
  Service is reachable.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["SecretService", "clean_keyring", "no_keyring_env", "secret_service"]

_INSTALL = ("apt-get install -y --no-install-recommends gnome-keyring libsecret-tools dbus")
_SERVICE = "redactproxy"
# The password reaches the daemon through the environment, not argv, so `ps` never shows it.
_SCRIPT = ('printf %s "$RP_TEST_KEYRING_PASSWORD" | gnome-keyring-daemon --foreground '
           '--unlock --components=secrets >/dev/null 2>&1 & '
           'echo "$DBUS_SESSION_BUS_ADDRESS"; wait')


@dataclass(frozen=True, slots=True)
class SecretService:
    """A running test Secret Service.

    Args:
        bus_address: ``DBUS_SESSION_BUS_ADDRESS`` of its private session bus.
        home: Throw-away HOME holding the keyring files (``data/keyrings``).
        env: Variables set in ``os.environ`` for it; merge into a subprocess's env if you
            build one from scratch.
    """

    bus_address: str
    home: Path
    env: dict[str, str]

    @property
    def keyring_dir(self) -> Path:
        """Where gnome-keyring writes its (encrypted) keyring files."""
        return self.home / "data" / "keyrings"


def _scratch_env(home: Path) -> dict[str, str]:
    """HOME and XDG dirs under ``home``, so neither the user's keyring nor keyringrc.cfg leak in."""
    dirs = {"HOME": home, "XDG_DATA_HOME": home / "data", "XDG_CONFIG_HOME": home / "config",
            "XDG_CACHE_HOME": home / "cache", "XDG_RUNTIME_DIR": home / "run"}
    for d in dirs.values():
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
    return {k: str(v) for k, v in dirs.items()}


def _redetect_keyring() -> None:
    """Make ``keyring`` pick its backend again now that the environment changed."""
    import keyring.backend
    import keyring.core

    # jaraco's @once cache; its reset() raises KeyError when nothing was cached yet.
    vars(keyring.backend.get_all_keyring).pop("saved_result", None)
    keyring.core.init_backend()


def _wait_ready(proc: subprocess.Popen[str], timeout: float = 10.0) -> None:
    """Poll until the Secret Service answers on the bus (gnome-keyring needs ~15 ms)."""
    import secretstorage

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dbus-run-session exited with {proc.returncode} before the Secret "
                        "Service was ready")
        try:
            with secretstorage.dbus_init() as conn:
                if secretstorage.check_service_availability(conn):
                    return
        except secretstorage.exceptions.SecretServiceNotAvailableException:
            pass
        time.sleep(0.02)
    pytest.fail(f"the test Secret Service did not answer within {timeout:.0f} s")


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    """Start gnome-keyring's Secret Service on a private D-Bus for the whole session."""
    missing = [c for c in ("dbus-run-session", "gnome-keyring-daemon")
               if shutil.which(c) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: the keyring tests need a real Secret "
                    f"Service; run: {_INSTALL}")
    home = tmp_path_factory.mktemp("keyring-home")
    scratch = _scratch_env(home)
    proc_env = dict(os.environ, **scratch,
                    RP_TEST_KEYRING_PASSWORD=secrets.token_hex(16))
    proc = subprocess.Popen(["dbus-run-session", "--", "sh", "-c", _SCRIPT], env=proc_env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        if not address:
            pytest.fail("dbus-run-session printed no bus address")
        env = {**scratch, "DBUS_SESSION_BUS_ADDRESS": address}
        with pytest.MonkeyPatch.context() as mp:
            for name, value in env.items():
                mp.setenv(name, value)
            # Let keyring detect the backend itself, as it would for a user.
            mp.delenv("PYTHON_KEYRING_BACKEND", raising=False)
            _wait_ready(proc)
            _redetect_keyring()
            yield SecretService(address, home, env)
        _redetect_keyring()
    finally:
        # The group holds dbus-run-session, dbus-daemon, sh and gnome-keyring-daemon
        # (--foreground keeps it from escaping into its own session).
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _clear(env: dict[str, str] | None = None) -> None:
    subprocess.run(["secret-tool", "clear", "service", _SERVICE], check=False,
                   env=env, capture_output=True)


@pytest.fixture
def clean_keyring(secret_service: SecretService) -> Iterator[SecretService]:
    """The session Secret Service with no ``redactproxy`` items before and after the test."""
    if shutil.which("secret-tool") is None:
        pytest.fail(f"secret-tool not found; run: {_INSTALL}")
    _clear()
    yield secret_service
    _clear()


@pytest.fixture
def no_keyring_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a subprocess on a machine with no reachable Secret Service.

    D-Bus points nowhere, HOME/XDG are empty scratch dirs (no keyringrc.cfg) and
    ``PYTHON_KEYRING_BACKEND`` is unset, so ``keyring`` falls back on its own to the ``fail``
    backend, exactly as on a headless server.
    """
    env = dict(os.environ, **_scratch_env(tmp_path / "no-keyring-home"),
               DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/redactproxy-test-bus")
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return env

"""Pytest plugin: a real, throw-away PostgreSQL cluster in a temporary directory.

``initdb`` + ``pg_ctl`` from Debian's ``postgresql`` package (``.ci/run`` installs it), run
as the ``postgres`` user when the tests run as root (PostgreSQL refuses root), listening on
a free loopback port with trust authentication. Tests get a fresh database each
(``pg_url``); ``pg_server.stop()`` / ``start()`` simulate an outage. Skipped only when the
binaries are missing on a developer's machine; CI has them.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.proxyproc import free_port

__all__ = ["PgServer"]


def _bindir() -> Path | None:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "initdb").exists():
            return Path(cand)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


class PgServer:
    """A PostgreSQL cluster owned by the test session."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self._dbs = itertools.count(1)
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                    f"unix_socket_directories = '{root}'\nfsync = off\n"
                    "max_connections = 200\nshared_buffers = 32MB\n")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.bindir / tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    @property
    def url(self) -> str:
        """URL of the ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                  "-t", "60", "start")

    def stop(self) -> None:
        """Stop the server at once (connections are cut, as in an outage)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def running(self) -> bool:
        """True if the server's postmaster is up."""
        return subprocess.run([*self._as, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                               "status"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        name = f"t{next(self._dbs)}_{int(time.time() * 1000) % 100000}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (skipped if PostgreSQL or psycopg is not installed)."""
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries missing in CI (.ci/run installs postgresql)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    pytest.importorskip("psycopg")
    root = Path(tempfile.mkdtemp(prefix="redactproxy-pg-"))
    server = PgServer(bindir, root)
    server.start()
    yield server
    if server.running():
        server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the session's server (restarted if a test stopped it)."""
    if not pg_server.running():
        pg_server.start()
    return pg_server.new_database()

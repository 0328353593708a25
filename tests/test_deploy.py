"""The container image and compose file, checked without a container engine.

The Dockerfile is read with BuildKit's own parser (the ``dockerfile`` package) and checked
against the repository: what it copies exists and is not ignored, it runs as a non-root
user, and its health check asks ``/healthz`` on the port the compose file's replicas listen
on (the port nginx balances to). ``deploy/compose.yaml`` is validated by Debian's
``docker-compose`` (the Compose schema, variable interpolation; ``.ci/run`` installs it):
valid with its variables set, refused without them or with an unknown option.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import dockerfile
import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "deploy" / "compose.yaml"
#: Synthetic values for the variables the compose file requires.
VARS = {"POSTGRES_PASSWORD": "synthetic-password", "REDACTPROXY_TEAM_KEY": "sk-team-fake-0000"}
INSTRUCTIONS = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
                "HEALTHCHECK", "LABEL", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER",
                "VOLUME", "WORKDIR"}


def _commands() -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(ROOT / "Dockerfile")))


def _listen_port() -> int:
    ports = set(re.findall(r"--listen-port[= ](\d+)", COMPOSE.read_text()))
    assert len(ports) == 1, ports
    return int(ports.pop())


def test_dockerfile_builds_from_what_the_repository_has() -> None:
    cmds = _commands()
    assert {c.cmd for c in cmds} <= INSTRUCTIONS, [c.original for c in cmds]
    assert cmds[0].cmd == "FROM" and cmds[0].value[0].startswith("python:3.12")
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text()
               .splitlines() if line.strip() and not line.startswith("#")}
    copies = [c for c in cmds if c.cmd in ("COPY", "ADD")]
    assert copies
    for c in copies:
        for src in c.value[:-1]:
            assert (ROOT / src).exists(), f"Dockerfile line {c.start_line}: no {src}"
            assert src.split("/")[0] not in ignored, f"{src} is in .dockerignore"


def test_image_runs_as_non_root_and_checks_health_on_the_gateway_port() -> None:
    cmds = _commands()
    users = [c.value[0] for c in cmds if c.cmd == "USER"]
    assert users and users[-1] not in ("root", "0")
    created = [c for c in cmds if c.cmd == "RUN" and "useradd" in c.value[0]
               and c.value[0].rstrip().endswith(f" {users[-1]}")]
    assert created, "the USER is created by useradd"
    uid = re.search(r"--uid (\d+)", created[0].value[0])
    assert uid and int(uid.group(1)) != 0
    assert uid.group(1) in COMPOSE.read_text()  # the secrets' owner in the compose notes
    (health,) = [c for c in cmds if c.cmd == "HEALTHCHECK"]
    port = _listen_port()
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(health.value)
    assert [c.value for c in cmds if c.cmd == "EXPOSE"] == [(str(port),)]
    assert [c.value for c in cmds if c.cmd == "ENTRYPOINT"] == [("redactproxy",)]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.findall(r"server (gateway-[ab]):(\d+)", nginx) == [
        ("gateway-a", str(port)), ("gateway-b", str(port))]


def _compose(*args: str, env: dict[str, str], path: Path = COMPOSE) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in VARS}
    return subprocess.run(["docker-compose", "-f", str(path), *args], env={**base, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(shutil.which("docker-compose") is None,
                    reason="docker-compose not installed (.ci/run installs it)")
def test_compose_file_is_valid_and_needs_its_variables(tmp_path: Path) -> None:
    ok = _compose("config", "-q", env=VARS)
    assert ok.returncode == 0, ok.stderr
    services = _compose("config", "--services", env=VARS)
    assert sorted(services.stdout.split()) == ["balancer", "gateway-a", "gateway-b",
                                               "postgres"]
    resolved = _compose("config", env=VARS).stdout
    assert resolved.count("- --no-ui") == 2 and resolved.count("- --tls-cert=") == 2
    missing = _compose("config", "-q", env={"REDACTPROXY_TEAM_KEY": VARS["REDACTPROXY_TEAM_KEY"]})
    assert missing.returncode != 0 and "set it in deploy/.env" in missing.stderr
    broken = tmp_path / "compose.yaml"  # an option Compose does not know is refused
    broken.write_text(COMPOSE.read_text().replace("restart: unless-stopped",
                                                  "restrt: unless-stopped"))
    bad = _compose("config", "-q", env=VARS, path=broken)
    assert bad.returncode != 0 and "restrt" in bad.stderr

"""Install check: build the wheel, install it WITHOUT extras in a fresh venv, run the command.

This is what ``pipx install`` / ``uv tool install`` / ``pip install`` give a user, so an import
declared only in the ``test`` extra (what ``./dev`` installs) fails here. It costs a venv
install (~35 s with a warm pip cache), so it runs when ``REDACTPROXY_INSTALL_CHECK=1``
(``.ci/run`` sets it):

    REDACTPROXY_INSTALL_CHECK=1 ./dev test tests/install -q

The installed command runs from a directory outside the source tree, so nothing is imported
from the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from redactproxy import __version__
from tests.e2e.values import EMAIL, GITHUB
from tests.fakes.certs import TestCA
from tests.fakes.upstream import FakeUpstream
from tests.proxyproc import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("REDACTPROXY_INSTALL_CHECK") != "1",
    reason="install check: set REDACTPROXY_INSTALL_CHECK=1 (.ci/run does)")

_IMPORT_ALL = """
import importlib, importlib.util, pkgutil, sys
from pathlib import Path
import redactproxy
assert not redactproxy.__file__.startswith(sys.argv[1]), "imported from the source tree"
names = [m.name for m in pkgutil.walk_packages(redactproxy.__path__, "redactproxy.")
         if not m.name.endswith("__main__")]
optional = set(sys.argv[2].split(","))  # modules of feature extras, not installed here
skipped = []
for name in names:
    try:
        importlib.import_module(name)
    except Exception as e:
        cause = e.__cause__ or e.__context__
        if not (isinstance(cause, ModuleNotFoundError) and cause.name in optional):
            raise
        skipped.append(name)
for path in sorted((Path(redactproxy.__file__).parent / "_addons").glob("*.py")):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(len(names) - len(skipped))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a fresh venv holding the built wheel, no extras.

    ``REDACTPROXY_INSTALL_VENV=DIR`` reuses a venv an earlier run built (local iteration on
    these tests only: it does not check the current code's packaging).
    """
    reuse = os.environ.get("REDACTPROXY_INSTALL_VENV")
    if reuse:
        return Path(reuse) / "bin"
    base = tmp_path_factory.mktemp("install")
    dist = base / "dist"
    _ok([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
        cwd=base)
    wheel = next(dist.glob("redactproxy-*.whl"))
    _ok([sys.executable, "-m", "venv", str(base / "venv")], cwd=base)
    bin_dir = base / "venv" / "bin"
    _ok([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         str(wheel)], cwd=base)
    return bin_dir


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """A user's environment: own data dir, no proxy variables, run outside the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("https_proxy", "http_proxy", "pythonpath")}
    env["REDACTPROXY_HOME"] = str(tmp_path / "home")
    return env


def _ok(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
        stdin: str | None = None) -> str:
    r = subprocess.run(cmd, cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def test_every_module_imports(installed: Path, tmp_path: Path) -> None:
    from tests.test_dependencies import feature_extras

    optional = ",".join(d.replace("-", "_") for d in feature_extras())
    out = _ok([str(installed / "python"), "-c", _IMPORT_ALL, str(ROOT), optional], cwd=tmp_path)
    assert int(out) > 30  # the walk found the package's modules, not an empty path


def test_version(installed: Path, tmp_path: Path) -> None:
    out = _ok([str(installed / "redactproxy"), "--version"], cwd=tmp_path)
    assert out.strip() == f"redactproxy {__version__}"


def test_env(installed: Path, tmp_path: Path, user_env: dict[str, str]) -> None:
    out = _ok([str(installed / "redactproxy"), "env"], cwd=tmp_path, env=user_env)
    assert "export HTTPS_PROXY=http://" in out
    ca = Path(user_env["REDACTPROXY_HOME"]) / "mitmproxy" / "mitmproxy-ca-cert.pem"
    assert f"export NODE_EXTRA_CA_CERTS={ca}" in out and ca.is_file()


def test_rules_test(installed: Path, tmp_path: Path, user_env: dict[str, str]) -> None:
    out = _ok([str(installed / "redactproxy"), "rules", "test"], cwd=tmp_path, env=user_env)
    assert out.strip().splitlines()[-1].startswith("ok: "), out


def test_scan_sample_file(installed: Path, tmp_path: Path, user_env: dict[str, str]) -> None:
    sample = tmp_path / "notes.txt"
    sample.write_text(f"Ask Jane Roe at {EMAIL}.\nCI token: {GITHUB}\nNHS 999 000 0018\n",
                      encoding="utf-8")
    out = _ok([str(installed / "redactproxy"), "scan", str(sample), "--format", "json"],
              cwd=tmp_path, env=user_env)
    found = {f["entity"] for f in json.loads(out)["findings"]}
    assert {"EMAIL_ADDRESS", "GITHUB_TOKEN", "PERSON"} <= found  # PERSON: the NER model loads
    assert "UK_NHS" in found  # Presidio's recognizer, from the installed presidio-analyzer


@pytest.fixture
def installed_proxy(installed: Path, tmp_path: Path, user_env: dict[str, str],
                    fake_upstream: FakeUpstream, test_ca: TestCA) -> Iterator[int]:
    """``redactproxy start --no-ui`` from the venv, as a gateway to the fake OpenAI."""
    port = free_port()
    project = tmp_path / "project"
    project.mkdir()
    proc = subprocess.Popen(
        [str(installed / "redactproxy"), "start", "--no-ui", "--no-forward",
         "--upstream", f"https://api.openai.com@{port}", "--project", str(project),
         "--resolve", f"api.openai.com:443=127.0.0.1:{fake_upstream.port}",
         "--upstream-ca", str(test_ca.cert_path)],
        cwd=tmp_path, env=user_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert proc.stdout is not None
    threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True).start()
    deadline = time.monotonic() + 120
    try:
        while not any("detector ready" in line for line in lines):
            assert proc.poll() is None, f"start exited {proc.returncode}:\n{''.join(lines)}"
            assert time.monotonic() < deadline, f"never ready:\n{''.join(lines)}"
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_start_answers_a_redacted_request(installed_proxy: int, upstream: FakeUpstream,
                                         user_env: dict[str, str]) -> None:
    # A gateway client shows the per-install secret that `start` created (mode 0600).
    secret = (Path(user_env["REDACTPROXY_HOME"]) / "proxy-secret").read_text().strip()
    with httpx2.Client(trust_env=False, timeout=60) as c:
        r = c.post(f"http://127.0.0.1:{installed_proxy}/v1/chat/completions",
                   headers={"authorization": "Bearer sk-test-fake",
                            "x-redactproxy-token": secret},
                   json={"model": "gpt-4o", "messages": [
                       {"role": "user", "content": f"mail {EMAIL} now"}]})
    assert r.status_code == 200, r.text
    sent = upstream.last().body.decode()
    assert EMAIL not in sent and "<EMAIL_ADDRESS_1>" in sent
    assert r.json()["choices"][0]["message"]["content"] == f"Echo: mail {EMAIL} now"

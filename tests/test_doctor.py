"""``redactproxy doctor``: every check's ok and fail path, driven by real conditions.

Each test runs the real command in a subprocess against a real state: a proxy process that
runs or not, a shell environment from ``redactproxy env`` or without it, CA bundles with and
without the proxy CA, a broken rule file, a real Secret Service or none.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from redactproxy.keys import SERVICE, KeyStore

ROOT = Path(__file__).resolve().parent.parent


def _clean_env(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(base or os.environ)
    for k in list(env):
        if k.upper() in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "SSL_CERT_FILE",
                         "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO",
                         "NODE_EXTRA_CA_CERTS", "REDACTPROXY_CONFIG"):
            del env[k]
    env["REDACTPROXY_HOME"] = str(home)
    return env


def _doctor(env: dict[str, str], project: Path, *extra: str) -> tuple[int, dict[str, dict]]:
    r = subprocess.run([sys.executable, "-m", "redactproxy", "doctor", "--format", "json",
                        "--project", str(project), *extra],
                       env=env, capture_output=True, text=True, cwd=project, timeout=300)
    assert r.stdout, r.stderr
    checks = json.loads(r.stdout)
    return r.returncode, {c["name"]: c for c in checks}


def _shell_env(home: Path, project: Path, env: dict[str, str]) -> dict[str, str]:
    """What ``eval "$(redactproxy env)"`` puts in a shell."""
    out = subprocess.run([sys.executable, "-m", "redactproxy", "env", "--project", str(project)],
                         env=env, capture_output=True, text=True, check=True).stdout
    result = dict(env)
    for line in out.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        result[key] = shlex.split(value)[0]
    return result


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    home, project = tmp_path / "home", tmp_path / "project"
    project.mkdir()
    return home, project


def test_nothing_set_up_fails_with_fixes(dirs, secret_service) -> None:
    home, project = dirs
    code, checks = _doctor(_clean_env(home), project, "--no-nlp")
    assert code == 1
    assert checks["proxy"]["status"] == "fail"
    assert "redactproxy start" in checks["proxy"]["fix"]
    assert checks["https_proxy"]["status"] == "fail"
    assert 'eval "$(redactproxy env)"' in checks["https_proxy"]["fix"]
    assert checks["ca"]["status"] == "fail"  # never started: no CA yet
    assert checks["rules"]["status"] == "ok"


def test_running_proxy_and_env_pass(dirs, proxy_factory, secret_service) -> None:
    home, project = dirs
    proxy_factory(home=home, project=project, args=["--no-nlp"], wait_detector=False)
    env = _shell_env(home, project, _clean_env(home))
    code, checks = _doctor(env, project)
    bad = {k: v for k, v in checks.items() if v["status"] == "fail"}
    assert code == 0 and not bad, bad
    for name in ("proxy", "https_proxy", "no_proxy", "ca", "ca:SSL_CERT_FILE",
                 "ca:REQUESTS_CA_BUNDLE", "ca:CURL_CA_BUNDLE", "ca:GIT_SSL_CAINFO",
                 "ca:NODE_EXTRA_CA_CERTS", "keyring", "vault", "rules", "ner", "intercept"):
        assert checks[name]["status"] == "ok", checks[name]
    assert "api.openai.com" not in checks["intercept"]["message"]  # counted, not listed
    assert checks["ca:system"]["status"] in ("ok", "warn")


def test_proxy_stopped_after_running(dirs, proxy_factory, secret_service) -> None:
    home, project = dirs
    pp = proxy_factory(home=home, project=project, args=["--no-nlp"], wait_detector=False)
    env = _shell_env(home, project, _clean_env(home))
    pp.stop()
    code, checks = _doctor(env, project, "--no-nlp")
    assert code == 1 and checks["proxy"]["status"] == "fail"
    assert checks["https_proxy"]["status"] == "ok"


def test_https_proxy_elsewhere_and_no_proxy_bypass(dirs, proxy_factory, secret_service) -> None:
    home, project = dirs
    pp = proxy_factory(home=home, project=project, args=["--no-nlp"], wait_detector=False)
    env = _shell_env(home, project, _clean_env(home))
    env["HTTPS_PROXY"] = env["https_proxy"] = f"http://127.0.0.1:{pp.port + 7}"
    env["NO_PROXY"] = env["no_proxy"] = "localhost,.openai.com"
    code, checks = _doctor(env, project, "--no-nlp")
    assert code == 1
    assert checks["https_proxy"]["status"] == "fail"
    assert f"the proxy listens on 127.0.0.1:{pp.port}" in checks["https_proxy"]["message"]
    assert checks["no_proxy"]["status"] == "fail"
    assert "api.openai.com" in checks["no_proxy"]["message"]


def test_ca_untrusted_by_a_bundle(dirs, proxy_factory, secret_service, tmp_path) -> None:
    home, project = dirs
    proxy_factory(home=home, project=project, args=["--no-nlp"], wait_detector=False)
    env = _shell_env(home, project, _clean_env(home))
    other = tmp_path / "roots-only.pem"
    other.write_text(Path("/etc/ssl/certs/ca-certificates.crt").read_text())
    env["SSL_CERT_FILE"] = str(other)
    env["GIT_SSL_CAINFO"] = str(tmp_path / "missing.pem")
    del env["CURL_CA_BUNDLE"]
    code, checks = _doctor(env, project, "--no-nlp")
    assert code == 1
    assert checks["ca:SSL_CERT_FILE"]["status"] == "fail"
    assert "does not hold the proxy CA" in checks["ca:SSL_CERT_FILE"]["message"]
    assert checks["ca:GIT_SSL_CAINFO"]["status"] == "fail"
    assert checks["ca:CURL_CA_BUNDLE"]["status"] == "warn"
    assert checks["ca:REQUESTS_CA_BUNDLE"]["status"] == "ok"


def test_broken_rule_file(dirs, secret_service) -> None:
    home, project = dirs
    (project / ".redactproxy.toml").write_text('[entities.PERSON]\naction = "shred"\n')
    code, checks = _doctor(_clean_env(home), project, "--no-nlp")
    assert code == 1
    assert checks["rules"]["status"] == "fail"
    assert ".redactproxy.toml" in checks["rules"]["message"]
    assert "redactproxy rules check" in checks["rules"]["fix"]


def test_ner_model_missing(dirs, secret_service) -> None:
    home, project = dirs
    (project / ".redactproxy.toml").write_text('[detect]\nnlp_model = "xx_no_such_model"\n')
    code, checks = _doctor(_clean_env(home), project)
    assert code == 1
    assert checks["ner"]["status"] == "fail"
    assert "xx_no_such_model" in checks["ner"]["message"]


def test_no_keyring(dirs, no_keyring_env) -> None:
    home, project = dirs
    code, checks = _doctor(_clean_env(home, no_keyring_env), project, "--no-nlp")
    assert checks["keyring"]["status"] == "warn"
    assert "in memory only" in checks["keyring"]["message"]
    assert "vault" not in checks


def test_key_due_for_rotation(dirs, clean_keyring) -> None:
    home, project = dirs
    store = KeyStore()
    store.set("openai", "sk-test-" + "0" * 32)
    _, checks = _doctor(_clean_env(home), project, "--no-nlp")
    assert checks["keys"]["status"] == "ok"
    meta = json.loads(store.backend.get_password(SERVICE, "meta") or "{}")
    meta["providers"]["openai"]["stored_at"] = (
        datetime.now(UTC) - timedelta(days=120)).isoformat()
    store.backend.set_password(SERVICE, "meta", json.dumps(meta))
    _, checks = _doctor(_clean_env(home), project, "--no-nlp")
    assert checks["keys:openai"]["status"] == "warn"
    assert "redactproxy keys set openai" in checks["keys:openai"]["fix"]


def test_text_output_one_line_per_check(dirs, secret_service) -> None:
    home, project = dirs
    r = subprocess.run([sys.executable, "-m", "redactproxy", "doctor", "--no-nlp", "--project",
                        str(project)], env=_clean_env(home), capture_output=True, text=True,
                       cwd=project, timeout=300)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0].startswith("fail  proxy ") and "; fix: " in lines[0]
    assert any(line.startswith("ok    rules ") for line in lines)


def test_intercepted_hosts_from_rule_files_and_discovered_relays(dirs, secret_service) -> None:
    home, project = dirs
    (project / ".redactproxy.toml").write_text('[proxy]\nhosts = ["llm.corp.example.org"]\n')
    env = _clean_env(home)
    env["OPENAI_BASE_URL"] = "https://relay.example.test/v1"
    _, checks = _doctor(env, project, "--no-nlp")
    message = checks["intercept"]["message"]
    assert checks["intercept"]["status"] == "ok"
    assert "built-in AI hosts; rule files add llm.corp.example.org" in message
    try:
        import redactproxy.relays  # noqa: F401  (issue 9's discovery module)
    except ImportError:
        assert "relay.example.test" not in message
    else:
        assert "relay.example.test (from OPENAI_BASE_URL in the environment)" in message

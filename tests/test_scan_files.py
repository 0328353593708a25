"""``redactproxy scan`` over several paths and directories, ``--check``, the allow file and
the pre-commit hook definition."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GHP = "ghp_" + "FAKE" + "0123456789abcdefghijklmnopqrstuv"[:32]


def _scan(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, REDACTPROXY_CONFIG=str(cwd / "no-user.toml"),
               REDACTPROXY_HOME=str(cwd / ".home"))
    return subprocess.run([sys.executable, "-m", "redactproxy", "scan", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    (r / "src").mkdir(parents=True)
    (r / "src" / "app.py").write_text(f'import os\n\nTOKEN = "{GHP}"\n')
    (r / "src" / "clean.py").write_text("print('hello')\n")
    (r / "notes.md").write_text("Write to\nthe team: ops@example.org\n")
    (r / "build").mkdir()
    (r / "build" / "out.txt").write_text(f"{GHP}\n")  # ignored
    (r / "logo.bin").write_bytes(b"\x89PNG\0\0" + GHP.encode())  # binary: skipped
    (r / ".gitignore").write_text("build/\n.home/\nno-user.toml\n")
    subprocess.run(["git", "init", "-q", str(r)], check=True)
    return r


def test_directory_respects_gitignore_and_masks_values(repo: Path) -> None:
    r = _scan(repo, "--check", "--no-nlp", ".")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines] == [
        ["notes.md:2:11:", "EMAIL_ADDRESS"],
        ["src/app.py:3:10:", "GITHUB_TOKEN"],
    ]
    assert "(secrets.github-pat)" in r.stdout
    assert GHP not in r.stdout + r.stderr and "ops@example.org" not in r.stdout
    assert "build/" not in r.stdout and "logo.bin" not in r.stdout
    assert ".redactproxy-allow" in r.stderr


def test_several_files_and_clean_files(repo: Path) -> None:
    r = _scan(repo, "--check", "--no-nlp", "src/clean.py", "src/app.py")
    assert r.returncode == 1 and r.stdout.startswith("src/app.py:3:10: GITHUB_TOKEN")
    clean = _scan(repo, "--check", "--no-nlp", "src/clean.py")
    assert clean.returncode == 0 and clean.stdout == ""
    missing = _scan(repo, "--check", "--no-nlp", "nope.txt")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "redactproxy: cannot read nope.txt (no such file or directory)"


def test_allow_file_by_value_and_by_digest(repo: Path) -> None:
    digest = hashlib.sha256(GHP.encode()).hexdigest()
    (repo / ".redactproxy-allow").write_text(
        f"# accepted test values\nops@example.org\nsha256:{digest}\n")
    r = _scan(repo, "--check", "--no-nlp", ".")
    assert r.returncode == 0, r.stdout
    other = repo / "other-allow"
    other.write_text("ops@example.org\n")
    r = _scan(repo, "--check", "--no-nlp", "--allow", str(other), "src", "notes.md")
    assert r.returncode == 1
    assert "EMAIL_ADDRESS" not in r.stdout and "GITHUB_TOKEN" in r.stdout


def test_pre_commit_hook_definition_runs_on_staged_files(repo: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"redactproxy-scan", "redactproxy-scan-system"}
    entry = by_id["redactproxy-scan"]["entry"].split()
    assert entry[:2] == ["redactproxy", "scan"] and "--check" in entry
    # pre-commit runs `entry <staged files...>`: do the same
    subprocess.run(["git", "-C", str(repo), "add", "src/app.py", "src/clean.py"], check=True)
    staged = subprocess.run(["git", "-C", str(repo), "diff", "--cached", "--name-only"],
                            capture_output=True, text=True, check=True).stdout.split()
    r = _scan(repo, *entry[2:], *staged)
    assert r.returncode == 1 and "src/app.py:3:10: GITHUB_TOKEN" in r.stdout


def test_real_pre_commit_runs_the_hook(repo: Path, tmp_path: Path) -> None:
    # pre-commit itself, trying this checkout's hooks on the repo's staged files.
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.fail("pre-commit not installed: it is in the test extra (./dev setup)")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pc-home"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               REDACTPROXY_CONFIG=str(repo / "no-user.toml"),
               REDACTPROXY_HOME=str(repo / ".home"))
    subprocess.run(["git", "-C", str(repo), "add", "src", "notes.md"], check=True)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(pre_commit), "try-repo", str(ROOT), "redactproxy-scan-system"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=600)

    r = run()
    assert r.returncode == 1, r.stdout + r.stderr
    assert "src/app.py:3:10: GITHUB_TOKEN (secrets.github-pat)" in r.stdout
    assert "notes.md:2:11: EMAIL_ADDRESS" in r.stdout and GHP not in r.stdout
    digest = hashlib.sha256(GHP.encode()).hexdigest()
    (repo / ".redactproxy-allow").write_text(f"sha256:{digest}\nops@example.org\n")
    r = run()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Passed" in r.stdout

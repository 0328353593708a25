"""Relay discovery from environment variables and the coding agents' config files."""

from __future__ import annotations

from pathlib import Path

import pytest

from redactproxy.relays import BASE_URL_VARS, discover, host_of


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    home, project = tmp_path / "home", tmp_path / "proj"
    home.mkdir()
    project.mkdir()
    return home, project


def _found(d) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.host: f.where for f in d.found}


def test_environment_variables(dirs: tuple[Path, Path]) -> None:
    home, project = dirs
    d = discover({"OPENAI_BASE_URL": "https://relay-a.example.net/v1",
                  "ANTHROPIC_BASE_URL": "https://Relay-B.example.net",
                  "GOOGLE_GEMINI_BASE_URL": "http://10.0.0.7:8000",
                  "DEEPSEEK_BASE_URL": "https://ds.example.net/v1",
                  "AZURE_OPENAI_ENDPOINT": "https://corp-gw.example.net/openai",
                  "SOME_OTHER_URL": "https://not-ai.example.net"}, project, home)
    assert _found(d) == {
        "relay-a.example.net": "OPENAI_BASE_URL in the environment",
        "relay-b.example.net": "ANTHROPIC_BASE_URL in the environment",
        "10.0.0.7": "GOOGLE_GEMINI_BASE_URL in the environment",
        "ds.example.net": "DEEPSEEK_BASE_URL in the environment",
        "corp-gw.example.net": "AZURE_OPENAI_ENDPOINT in the environment",
    }
    assert d.warnings == []


def test_built_in_hosts_and_non_urls_are_not_relays(dirs: tuple[Path, Path]) -> None:
    home, project = dirs
    d = discover({"OPENAI_BASE_URL": "https://api.openai.com/v1",
                  "ANTHROPIC_BASE_URL": "not a url", "GEMINI_BASE_URL": ""}, project, home)
    assert d.found == []


def test_claude_code_settings_env_block(dirs: tuple[Path, Path]) -> None:
    home, project = dirs
    _write(home / ".claude" / "settings.json",
           '{"env": {"ANTHROPIC_BASE_URL": "https://cc-relay.example.net/api"}}')
    _write(project / ".claude" / "settings.local.json",
           '{"permissions": {}, "env": {"ANTHROPIC_BASE_URL": "https://local.example.net"}}')
    d = discover({}, project, home)
    assert _found(d) == {
        "local.example.net": ".claude/settings.local.json: env.ANTHROPIC_BASE_URL"
        .replace(".claude", str(project / ".claude"), 1),
        "cc-relay.example.net": "~/.claude/settings.json: env.ANTHROPIC_BASE_URL",
    }


def test_claude_config_dir_overrides_home(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    home, project = dirs
    _write(tmp_path / "cc" / "settings.json", '{"env": {"ANTHROPIC_BASE_URL": "https://x.example"}}')
    d = discover({"CLAUDE_CONFIG_DIR": str(tmp_path / "cc")}, project, home)
    assert d.hosts() == ("x.example",)


def test_codex_config_toml(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    home, project = dirs
    _write(home / ".codex" / "config.toml",
           'model_provider = "myrelay"\nopenai_base_url = "https://ob.example.net/v1"\n'
           '[model_providers.myrelay]\nname = "R"\nbase_url = "https://mp.example.net/v1"\n'
           'env_key = "MY_KEY"\n')
    d = discover({}, project, home)
    assert _found(d) == {
        "ob.example.net": "~/.codex/config.toml: openai_base_url",
        "mp.example.net": "~/.codex/config.toml: model_providers.myrelay.base_url",
    }
    _write(tmp_path / "ch" / "config.toml", 'openai_base_url = "https://ch.example.net"\n')
    assert discover({"CODEX_HOME": str(tmp_path / "ch")}, project, home).hosts() \
        == ("ch.example.net",)


def test_gemini_and_qwen(dirs: tuple[Path, Path]) -> None:
    home, project = dirs
    _write(home / ".gemini" / ".env", 'GOOGLE_GEMINI_BASE_URL="https://gem.example.net"\n')
    _write(project / ".qwen" / "settings.json", """{
      // Qwen allows comments
      "modelProviders": {"openai": [{"id": "q", "baseUrl": "https://qw.example.net/v1",
                                      "envKey": "K"}]},
      /* block */ "env": {"OPENAI_BASE_URL": "https://qenv.example.net//x"}
    }""")
    d = discover({}, project, home)
    assert set(d.hosts()) == {"gem.example.net", "qw.example.net", "qenv.example.net"}
    assert _found(d)["qw.example.net"].endswith("modelProviders.openai[0].baseUrl")


def test_aider_conf_and_dotenv(dirs: tuple[Path, Path]) -> None:
    home, project = dirs
    _write(project / ".aider.conf.yml",
           "model: openai/x\nopenai-api-base: https://aider.example.net/v1  # relay\n"
           "set-env:\n  - ANTHROPIC_API_BASE=https://aa.example.net\n  - OTHER=1\n")
    _write(project / ".env", "export OPENAI_API_BASE=https://dotenv.example.net/v1\n")
    _write(project / ".env.example", "OPENAI_BASE_URL=https://template.example.net\n")
    d = discover({}, project, home)
    assert set(d.hosts()) == {"aider.example.net", "aa.example.net", "dotenv.example.net"}
    assert _found(d)["aider.example.net"].endswith(".aider.conf.yml: openai-api-base")


def test_unparseable_files_warn_once_and_never_raise(dirs: tuple[Path, Path]) -> None:
    home, project = dirs
    _write(home / ".claude" / "settings.json", '{"env": {')
    _write(home / ".codex" / "config.toml", "openai_base_url = \n")
    _write(project / ".aider.conf.yml", "just some words\n")
    _write(project / ".env", "OPENAI_BASE_URL=https://ok.example.net\n")
    d = discover({}, project, home)
    assert d.hosts() == ("ok.example.net",)
    assert len(d.warnings) == 3
    assert d.warnings[0].startswith(str(project / ".aider.conf.yml") + ": cannot parse")
    assert any(w.startswith("~/.claude/settings.json: cannot parse") for w in d.warnings)
    assert any(w.startswith("~/.codex/config.toml: cannot parse") for w in d.warnings)


def test_ignore_takes_a_host_out(dirs: tuple[Path, Path]) -> None:
    home, project = dirs
    d = discover({"OPENAI_BASE_URL": "https://a.example.net",
                  "ANTHROPIC_BASE_URL": "https://b.corp.example"}, project, home)
    assert d.hosts(ignore=["*.corp.example"]) == ("a.example.net",)


def test_lines_name_where_found(dirs: tuple[Path, Path]) -> None:
    home, project = dirs
    d = discover({"OPENAI_BASE_URL": "https://a.example.net"}, None, None)
    assert d.lines() == ["relay a.example.net (from OPENAI_BASE_URL in the environment)"]


def test_only_host_names_leave(dirs: tuple[Path, Path]) -> None:
    home, project = dirs
    d = discover({"OPENAI_BASE_URL": "https://user:pw-secret@a.example.net/v1?key=k-secret"},
                 project, home)
    assert "secret" not in repr(d)
    assert host_of("ftp://x.example") is None and host_of("https://[::1]:8/") == "::1"


def test_provider_variables_cover_hosts_py() -> None:
    assert {"OPENROUTER_BASE_URL", "MISTRAL_API_BASE", "GROQ_BASE_URL"} <= set(BASE_URL_VARS)


def test_recorded_client_relays_are_merged(dirs: tuple[Path, Path], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from redactproxy.projects import project_id
    from redactproxy.relays import client_relays, record_client_relays, relays_for

    home, project = dirs
    monkeypatch.setenv("REDACTPROXY_HOME", str(tmp_path / "rp"))
    (tmp_path / "rp").mkdir()
    record_client_relays(project_id(project),
                         discover({"OPENAI_BASE_URL": "https://child.example.net/v1"}, None, None))
    assert client_relays(project_id(project)).lines() == [
        "relay child.example.net (from OPENAI_BASE_URL in the environment "
        "(redactproxy run/env))"]
    assert (tmp_path / "rp" / "relays.json").stat().st_mode & 0o777 == 0o600
    d = relays_for(project, {"ANTHROPIC_BASE_URL": "https://own.example.net"}, home)
    assert d.hosts() == ("own.example.net", "child.example.net")

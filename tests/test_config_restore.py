"""``[restore]`` in rule files: the tool-call policy and trusted hosts, with exact errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from redactproxy.config import PROJECT_FILE, load_project
from redactproxy.errors import ConfigError


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / PROJECT_FILE).write_text(text)
    return load_project(tmp_path, user_file=tmp_path / "none.toml", nlp=False)


def test_defaults_and_values(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "")
    assert (cfg.tool_secrets, cfg.trusted_hosts) == ("guarded", ())
    cfg = _load(tmp_path, '[restore]\nsecrets_in_tool_calls = "never"\n'
                          'trusted_hosts = ["api.github.com", "*.corp.example"]\n')
    assert (cfg.tool_secrets, cfg.trusted_hosts) == ("never", ("api.github.com",
                                                               "*.corp.example"))


@pytest.mark.parametrize(("text", "message"), [
    ('[restore]\n\nsecrets_in_tool_calls = "sometimes"\n',
     ':3: restore.secrets_in_tool_calls: must be "guarded" or "always" or "never"'),
    ("[restore]\ntrusted_hosts = \"github.com\"\n",
     ":2: restore.trusted_hosts: must be a list of non-empty strings"),
    ("[restore]\nsecret = 1\n",
     ":2: restore.secret: unknown key; known: secrets_in_tool_calls, trusted_hosts"),
])
def test_bad_values_name_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        _load(tmp_path, text)
    assert str(e.value) == f"{tmp_path / PROJECT_FILE}{message}"

"""The CLI imports only the module of the command being run (start-up time of ``start``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from redactproxy.commands import _WHERE, NAMES

PROBE = """
import json, sys
from redactproxy import cli
cli.build_parser(sys.argv[1:])
print(json.dumps(sorted(m.rsplit(".", 1)[1] for m in sys.modules
                        if m.startswith("redactproxy.commands."))))
"""


def _loaded(*argv: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout)


@pytest.mark.parametrize("command", ["start", "scan", "doctor", "run", "restore"])
def test_a_command_imports_only_its_own_module(command: str) -> None:
    assert _loaded(command, "--no-ui") == [_WHERE[command][0]]


def test_help_and_unknown_commands_import_every_command() -> None:
    every = sorted({module for module, _ in _WHERE.values()})
    assert _loaded("--help") == every
    assert _loaded("no-such-command") == every
    assert len(NAMES) == len(_WHERE)

"""Helpers for the end-to-end tests that drive real coding agents installed from npm.

`.ci/run` installs the agents under `.ci/node`; elsewhere point the variable named for an
agent (REDACTPROXY_CODEX, REDACTPROXY_GEMINI, REDACTPROXY_CLAUDE) at its binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.proxyproc import ProxyProcess

__all__ = ["agent_binary", "run_agent"]

ROOT = Path(__file__).resolve().parents[2]


def agent_binary(name: str, env_var: str) -> str | None:
    """The agent's CLI, from ``env_var`` or `.ci/node`, if installed (and node is there)."""
    if shutil.which("node") is None:
        return None
    for c in (os.environ.get(env_var, ""), str(ROOT / ".ci" / "node" / "node_modules" /
                                               ".bin" / name)):
        if c and Path(c).exists():
            return c
    return None


#: Variables of the calling shell that would change which account or proxy an agent uses.
_UNSET = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "SSL_CERT_FILE",
          "NODE_EXTRA_CA_CERTS", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
          "CODEX_HOME", "GOOGLE_GENAI_USE_GCA", "GOOGLE_CLOUD_ACCESS_TOKEN")


def run_agent(proxy: ProxyProcess, project: Path, home: Path, argv: list[str],
              env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``redactproxy run -- argv`` in ``project`` with a throw-away ``home``."""
    full = {k: v for k, v in os.environ.items() if k not in _UNSET}
    full.update({"REDACTPROXY_HOME": str(proxy.home), "HOME": str(home), **env})
    return subprocess.run([sys.executable, "-m", "redactproxy", "run", "--port",
                           str(proxy.port), "--project", str(project), "--", *argv],
                          capture_output=True, text=True, env=full, timeout=timeout,
                          cwd=project, stdin=subprocess.DEVNULL)

"""redactproxy as a plain mitmproxy addon.

Usage:
    mitmdump -s addons/redactproxy_addon.py --set redact_project=/path/to/project

Options: redact_project, redact_resolve, redact_nlp, redact_timeout, redact_persist
(``mitmdump --options`` lists them with help). ``redactproxy start`` runs the same addon
with a live view; this file is for people who already run mitmproxy their own way.
"""

import sys
from pathlib import Path

try:
    import redactproxy  # noqa: F401
except ImportError:  # running from a source checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redactproxy.addon import RedactProxy
from redactproxy.view import LogLineSink

addons = [RedactProxy([LogLineSink(sys.stdout)])]

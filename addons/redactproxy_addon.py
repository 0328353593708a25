"""redactproxy as a plain mitmproxy addon.

Usage:
    mitmdump -s addons/redactproxy_addon.py --set redact_project=/path/to/project

Options: redact_project, redact_resolve, redact_nlp, redact_timeout, redact_persist,
redact_anonymous (``mitmdump --options`` lists them with help). Clients must show the
per-install secret (``$REDACTPROXY_HOME/proxy-secret``) as the proxy URL's password,
as ``redactproxy env`` puts it, unless ``redact_anonymous`` is set. ``redactproxy start``
runs the same addons with a live view; this file is for people who already run mitmproxy
their own way.
"""

import sys
from pathlib import Path

try:
    import redactproxy  # noqa: F401
except ImportError:  # running from a source checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redactproxy.addon import RedactProxy
from redactproxy.proxy.owner import OwnerOnly
from redactproxy.view import LogLineSink

addons = [OwnerOnly(), RedactProxy([LogLineSink(sys.stdout)])]

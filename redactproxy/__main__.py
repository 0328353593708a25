"""``python -m redactproxy`` runs the CLI."""

import sys

from redactproxy.cli import main

sys.exit(main())

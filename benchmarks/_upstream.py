"""The fake upstream in its own process, so the benchmark client never shares a GIL with it.

Usage: ``python benchmarks/_upstream.py DIR``. Prints ``PORT CA_PATH`` once listening, then
answers one command per stdin line: ``last`` prints the last request body (JSON, one line),
``bodies`` every body received since the last ``clear`` (a JSON list), ``clear`` forgets them.
Exits when stdin closes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.certs import DEFAULT_HOSTS, make_test_ca  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402


def main() -> None:
    base = Path(sys.argv[1])
    ca = make_test_ca(base / "ca")
    cert, key = ca.issue(DEFAULT_HOSTS, base / "leaf")
    with FakeUpstream(cert, key) as up:
        print(up.port, ca.cert_path, flush=True)
        for line in sys.stdin:
            if line.strip() == "last":
                body = up.last().body.decode("utf-8", "replace") if up.requests else ""
                print(json.dumps(body), flush=True)
                up.clear()
            elif line.strip() == "bodies":  # every body since the last clear, then clear
                bodies = [r.body.decode("utf-8", "replace") for r in up.requests]
                up.clear()
                print(json.dumps(bodies), flush=True)
            elif line.strip() == "clear":
                up.clear()
                print("ok", flush=True)


if __name__ == "__main__":
    main()

"""Synthetic sensitive values used by the end-to-end tests (reserved ranges, fake key shapes)."""

EMAIL = "jane.roe@example.org"
EMAIL2 = "ops-team@example.net"
GITHUB = "ghp_" + "Zq8Xw2Vt6Rs4Pn0Lm3Kj7Hg5Fd1Sa9Qw2Er6Ty4"[:36]
AWS = "AKIA" + "QZ7X3MPLE2TESTK4Y"[:16]
CARD = "4111 1111 1111 1111"
NASTY = 'p@ss"w\\ord\nline2'  # needs JSON escaping wherever it goes

ALL = (EMAIL, EMAIL2, GITHUB, AWS)


def assert_absent(body: bytes, values: tuple[str, ...] = ALL) -> None:
    """No value appears in ``body``, raw or JSON-escaped."""
    import json

    text = body.decode("utf-8", "replace")
    for v in values:
        assert v not in text, f"a synthetic value reached the upstream: {v[:4]}…"
        assert json.dumps(v)[1:-1] not in text

"""Parse ``--resolve HOST:PORT=ADDR:PORT`` (curl's idea, one ``=`` instead of a ``:``)."""

from __future__ import annotations

__all__ = ["parse_resolve"]


def _hostport(text: str, what: str, spec: str) -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        raise ValueError(f"invalid --resolve {spec!r}: {what} must be HOST:PORT")
    return host.lower(), int(port)


def parse_resolve(spec: str) -> tuple[tuple[str, int], tuple[str, int]]:
    """Return ``((host, port), (addr, port))`` for ``HOST:PORT=ADDR:PORT``.

    Raises:
        ValueError: naming the bad value.
    """
    left, sep, right = spec.partition("=")
    if not sep:
        raise ValueError(f"invalid --resolve {spec!r}: expected HOST:PORT=ADDR:PORT")
    return _hostport(left, "the left side", spec), _hostport(right, "the right side", spec)

"""Incremental decoders and encoders for compressed streamed bodies (gzip, deflate, br, zstd).

mitmproxy decodes whole bodies for us, but a streamed answer arrives in pieces: to restore
placeholders in a compressed SSE stream we decompress each piece, rewrite, and compress
again with a sync flush so every event still reaches the client at once.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Protocol

import brotli
import zstandard

__all__ = ["StreamCodec", "decoder_for", "encoder_for", "SUPPORTED"]



class StreamCodec(Protocol):
    """Feed bytes, get bytes; ``finish`` ends the stream."""

    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class _Identity:
    def feed(self, data: bytes) -> bytes:
        return data

    def finish(self) -> bytes:
        return b""


class _ZlibDecoder:
    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._d = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> bytes:
        out = self._d.decompress(data)
        while self._d.eof and self._d.unused_data:  # gzip allows members back to back
            rest = self._d.unused_data
            self._d = zlib.decompressobj(self._wbits)
            out += self._d.decompress(rest)
        return out

    def finish(self) -> bytes:
        return self._d.flush()


class _ZlibEncoder:
    def __init__(self, wbits: int) -> None:
        self._c = zlib.compressobj(6, zlib.DEFLATED, wbits)

    def feed(self, data: bytes) -> bytes:
        return self._c.compress(data) + self._c.flush(zlib.Z_SYNC_FLUSH) if data else b""

    def finish(self) -> bytes:
        return self._c.flush(zlib.Z_FINISH)


class _BrotliDecoder:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> bytes:
        return self._d.process(data)

    def finish(self) -> bytes:
        return b""


class _BrotliEncoder:
    def __init__(self) -> None:
        self._c = brotli.Compressor()

    def feed(self, data: bytes) -> bytes:
        return self._c.process(data) + self._c.flush() if data else b""

    def finish(self) -> bytes:
        return self._c.finish()


class _ZstdDecoder:
    def __init__(self) -> None:
        self._d = zstandard.ZstdDecompressor().decompressobj(read_across_frames=True)

    def feed(self, data: bytes) -> bytes:
        return self._d.decompress(data)

    def finish(self) -> bytes:
        return b""


class _ZstdEncoder:
    def __init__(self) -> None:
        self._c = zstandard.ZstdCompressor().compressobj()

    def feed(self, data: bytes) -> bytes:
        if not data:
            return b""
        return self._c.compress(data) + self._c.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)

    def finish(self) -> bytes:
        return self._c.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH)


_GZIP, _DEFLATE = 16 + zlib.MAX_WBITS, zlib.MAX_WBITS

#: Content-Encoding -> (decoder factory, encoder factory): the one table of what we speak.
_CODECS: dict[str, tuple[Callable[[], StreamCodec], Callable[[], StreamCodec]]] = {
    "gzip": (lambda: _ZlibDecoder(_GZIP), lambda: _ZlibEncoder(_GZIP)),
    "deflate": (lambda: _ZlibDecoder(_DEFLATE), lambda: _ZlibEncoder(_DEFLATE)),
    "br": (_BrotliDecoder, _BrotliEncoder),
    "zstd": (_ZstdDecoder, _ZstdEncoder),
    "identity": (_Identity, _Identity),
    "": (_Identity, _Identity),
}
SUPPORTED = tuple(_CODECS)


def _codecs(encoding: str) -> tuple[Callable[[], StreamCodec], Callable[[], StreamCodec]]:
    try:
        return _CODECS[encoding.strip().lower()]
    except KeyError:
        raise ValueError(f"unsupported content-encoding {encoding!r}") from None


def decoder_for(encoding: str) -> StreamCodec:
    """Return an incremental decoder for a ``Content-Encoding`` value."""
    return _codecs(encoding)[0]()


def encoder_for(encoding: str) -> StreamCodec:
    """Return an incremental encoder (flushing per piece) for a ``Content-Encoding`` value."""
    return _codecs(encoding)[1]()

"""Incremental codecs: every piece fed to an encoder is decodable at once, round trip exact."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
import zstandard

from redactproxy.codecs import SUPPORTED, decoder_for, encoder_for

ENCODINGS = ["gzip", "deflate", "br", "zstd", "identity", ""]
PIECES = [b'data: {"a": "Zo\xc3\xab"}\n\n', b"data: x" * 200 + b"\n\n", b"", b"data: [DONE]\n\n"]


@pytest.mark.parametrize("enc", ENCODINGS)
def test_each_piece_decodes_immediately(enc):
    e, d = encoder_for(enc), decoder_for(enc)
    for piece in PIECES:
        assert d.feed(e.feed(piece)) == piece
    assert d.feed(e.finish()) + d.finish() == b""


@pytest.mark.parametrize("enc", ENCODINGS)
def test_decoder_fed_byte_by_byte(enc):
    e = encoder_for(enc)
    blob = b"".join(e.feed(p) for p in PIECES) + e.finish()
    d = decoder_for(enc)
    out = b"".join(d.feed(blob[i:i + 1]) for i in range(len(blob))) + d.finish()
    assert out == b"".join(PIECES)


def _standard(enc: str, data: bytes) -> bytes:
    return {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress,
            "zstd": zstandard.ZstdCompressor().compress}[enc](data)


@pytest.mark.parametrize("enc", ["gzip", "deflate", "br", "zstd"])
def test_interoperates_with_standard_libraries(enc):
    data = b"".join(PIECES)
    d = decoder_for(enc)
    assert d.feed(_standard(enc, data)) + d.finish() == data
    e = encoder_for(enc)
    blob = b"".join(e.feed(p) for p in PIECES) + e.finish()
    decode = {"gzip": gzip.decompress, "deflate": zlib.decompress, "br": brotli.decompress,
              "zstd": lambda b: zstandard.ZstdDecompressor().decompressobj().decompress(b)}[enc]
    assert decode(blob) == data


@pytest.mark.parametrize("name, norm", [(" GZIP ", "gzip"), ("Br", "br"), ("ZSTD", "zstd")])
def test_names_are_normalised(name, norm):
    e = encoder_for(name)
    assert decoder_for(norm).feed(e.feed(b"x")) == b"x"


@pytest.mark.parametrize("name", ["compress", "gzip, br", "x-gzip", "deflate;q=1"])
def test_unsupported_encoding_names_it(name):
    with pytest.raises(ValueError, match=f"unsupported content-encoding {name!r}"):
        decoder_for(name)
    with pytest.raises(ValueError):
        encoder_for(name)
    assert name not in SUPPORTED


def _frames(enc: str) -> bytes:
    """Two independently compressed pieces back to back (gzip members, zstd frames)."""
    if enc == "gzip":
        return gzip.compress(b"data: one\n\n") + gzip.compress(b"data: two\n\n")
    c = zstandard.ZstdCompressor()
    return c.compress(b"data: one\n\n") + c.compress(b"data: two\n\n")


@pytest.mark.parametrize("enc", ["gzip", "zstd"])
def test_concatenated_members_or_frames_are_all_decoded(enc):
    blob = _frames(enc)
    d = decoder_for(enc)
    assert d.feed(blob) + d.finish() == b"data: one\n\ndata: two\n\n"
    d = decoder_for(enc)
    assert b"".join(d.feed(blob[i:i + 1]) for i in range(len(blob))) + d.finish() == \
        b"data: one\n\ndata: two\n\n"

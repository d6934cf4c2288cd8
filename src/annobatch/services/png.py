"""PNG files written with the standard library: what the point-cloud views and the demo's pictures
are drawn into."""

from __future__ import annotations

import struct
import zlib

#: PNG colour types: 8-bit grey, 8-bit RGB.
GREY, RGB = 0, 2


def encode_png(width: int, height: int, rows: bytes, colour: int = RGB) -> bytes:
    """A PNG of `rows`: each a filter byte (0: none), then its `width` pixels (1 byte a pixel for
    grey, 3 for RGB)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body

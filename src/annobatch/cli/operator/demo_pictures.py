"""The demo's camera pictures: a small street scene drawn as a real PNG (standard library only),
with the boxes a person would draw around what is in it."""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 640, 400

SKY_TOP, GRASS, ROAD = (150, 190, 235), (70, 130, 60), (90, 92, 96)
#: What the street holds at shift 0: class → (left, top, right, bottom) and its colour.
THINGS = {
    "car": ((250, 250, 370, 320), (200, 40, 40)),
    "pedestrian": ((470, 200, 500, 300), (40, 70, 190)),
    "cyclist": ((120, 230, 150, 300), (230, 170, 30)),
}


def _place(kind: str, shift: int) -> tuple[int, int, int, int]:
    left, top, right, bottom = THINGS[kind][0]
    dx = shift if kind == "car" else 0  # the car drives along; the others stand
    return left + dx, top, right + dx, bottom


def street_png(shift: int = 0, cyclist: bool = False, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """Sky, grass, a road to the horizon, a red car `shift` pixels to the right, a blue
    pedestrian, and (with `cyclist`) a yellow cyclist."""
    kinds = ["car", "pedestrian"] + (["cyclist"] if cyclist else [])
    rows = bytearray()
    for y in range(height):
        if y < height // 2:
            r, g, b = SKY_TOP
            row = bytearray(bytes((min(255, r + y // 4), min(255, g + y // 8), b)) * width)
        else:
            row = bytearray(bytes(GRASS) * width)
            half = int((y - height // 2) * 1.6)
            lo, hi = max(0, width // 2 - half), min(width, width // 2 + half)
            row[lo * 3 : hi * 3] = bytes(ROAD) * (hi - lo)
        for kind in kinds:
            left, top, right, bottom = _place(kind, shift)
            if top <= y < bottom:
                lo, hi = max(0, left), min(width, right)
                row[lo * 3 : hi * 3] = bytes(THINGS[kind][1]) * (hi - lo)
        rows.append(0)  # the PNG filter byte of the row: none
        rows.extend(row)
    return png_rgb(width, height, bytes(rows))


def street_boxes(shift: int = 0, cyclist: bool = False) -> dict[str, list[float]]:
    """Each thing's OpenLABEL `bbox` value in the picture: [x centre, y centre, width, height]."""
    kinds = ["car", "pedestrian"] + (["cyclist"] if cyclist else [])
    boxes = {}
    for kind in kinds:
        left, top, right, bottom = _place(kind, shift)
        boxes[kind] = [(left + right) / 2, (top + bottom) / 2, float(right - left), float(bottom - top)]
    return boxes


def png_rgb(width: int, height: int, rows: bytes) -> bytes:
    """An 8-bit RGB PNG of `rows` (each a filter byte, then its pixels)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )

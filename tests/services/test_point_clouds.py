"""Point clouds drawn from above, and images' sizes read from their first bytes: each format a
scene may carry (PCD ASCII, binary and binary_compressed, CSV, LAS; PNG, JPEG, WebP), and a file
that is not one is told, not drawn."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from annobatch.services.image_sizes import image_size
from annobatch.services.point_clouds import (
    UnreadableCloud,
    lzf_decompress,
    png_grey,
    read_points,
    render,
    top_down,
)

POINTS = [(0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (-2.0, -1.0)]
HEADER = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 4\nHEIGHT 1\nPOINTS 4\n"


def pcd_binary() -> bytes:
    body = b"".join(struct.pack("<fff", x, y, 1.5) for x, y in POINTS)
    return (HEADER + "DATA binary\n").encode() + body


def pcd_compressed() -> bytes:
    """binary_compressed: every x, then every y, then every z, as one LZF block of literals."""
    raw = b"".join(struct.pack("<f", p[0]) for p in POINTS) + b"".join(
        struct.pack("<f", p[1]) for p in POINTS
    )
    raw += struct.pack("<ffff", 1.5, 1.5, 1.5, 1.5)
    block = b""
    for at in range(0, len(raw), 32):
        chunk = raw[at : at + 32]
        block += bytes([len(chunk) - 1]) + chunk
    return (HEADER + "DATA binary_compressed\n").encode() + struct.pack("<II", len(block), len(raw)) + block


def las() -> bytes:
    """LAS 1.2, point format 0 (20-byte records), scale 0.01."""
    header = bytearray(227)
    header[0:4] = b"LASF"
    struct.pack_into("<I", header, 96, 227)  # offset to the points
    header[104] = 0  # point format
    struct.pack_into("<H", header, 105, 20)
    struct.pack_into("<I", header, 107, len(POINTS))
    struct.pack_into("<ddd", header, 131, 0.01, 0.01, 0.01)
    struct.pack_into("<ddd", header, 155, 100.0, 200.0, 0.0)
    records = b"".join(struct.pack("<iii", round(x / 0.01), round(y / 0.01), 0) + bytes(8) for x, y in POINTS)
    return bytes(header) + records


@pytest.mark.parametrize(
    ("filename", "data", "offset"),
    [
        ("a.pcd", (HEADER + "DATA ascii\n" + "".join(f"{x} {y} 1.5\n" for x, y in POINTS)).encode(), (0, 0)),
        ("b.pcd", pcd_binary(), (0, 0)),
        ("c.pcd", pcd_compressed(), (0, 0)),
        (
            "d.csv",
            ("ts_gps,x,y,z,intensity\n" + "".join(f"0,{x},{y},1,0.5\n" for x, y in POINTS)).encode(),
            (0, 0),
        ),
        ("e.las", las(), (100, 200)),
    ],
)
def test_every_format_a_scene_carries_is_read_to_its_points(
    filename: str, data: bytes, offset: tuple[float, float]
) -> None:
    pts = read_points(filename, data)
    assert pts.total == 4
    got = [(round(x - offset[0], 3), round(y - offset[1], 3)) for x, y in zip(pts.xs, pts.ys, strict=True)]
    assert got == POINTS


def test_a_cloud_is_drawn_to_a_png_of_its_extent_with_its_count() -> None:
    drawn = top_down("b.pcd", pcd_binary(), size=121)
    assert drawn.points == 4
    assert drawn.extent == (-2.0, 10.0, -1.0, 5.0)
    assert (drawn.width, drawn.height) == (121, 61)  # 12 m by 6 m, the longer side 121 px
    assert drawn.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert image_size(drawn.png) == (121, 61)
    # The one pixel row per image row after its filter byte: a point is dark, nothing is white.
    idat = drawn.png[drawn.png.index(b"IDAT") + 4 : drawn.png.index(b"IEND") - 8]
    rows = zlib.decompress(idat)
    origin = rows[(60 - 10) * 122 + 1 + 20]  # x 0 → column 20; y 0 → 10 rows above the bottom
    assert origin < 255 and rows[1 + 60] == 255


def test_a_large_cloud_is_thinned_evenly_but_counted_whole() -> None:
    rows = "".join(f"{i} {i % 7} 0\n" for i in range(50_000))
    pts = read_points(
        "big.pcd", (HEADER.replace("POINTS 4", "POINTS 50000") + "DATA ascii\n" + rows).encode(), 1000
    )
    assert pts.total == 50_000
    assert len(pts.xs) == 1000 and pts.xs[1] - pts.xs[0] == 50


@pytest.mark.parametrize(
    ("filename", "data", "why"),
    [
        ("a.laz", b"LASF" + bytes(300), "LAZ"),
        ("a.pcd", b"VERSION 0.7\nFIELDS a b\nDATA ascii\n1 2\n", "no x and y"),
        ("a.csv", b"time,value\n1,2\n", "no x and y columns"),
        ("a.csv", b"x,y\n1,two\n", "not a row of numbers"),
        ("a.pcd", (HEADER + "DATA binary\n").encode(), "no points"),
    ],
)
def test_a_file_that_cannot_be_drawn_says_why(filename: str, data: bytes, why: str) -> None:
    with pytest.raises(UnreadableCloud, match=why):
        top_down(filename, data)


def test_lzf_back_references_repeat_what_was_written() -> None:
    # "abc" as literals, then a back reference of length 5 at distance 3: "abcabcab".
    assert lzf_decompress(b"\x02abc" + bytes([(3 << 5) | 0, 2]), 8) == b"abcabcab"
    with pytest.raises(UnreadableCloud):
        lzf_decompress(b"\x02abc", 9)


#: A real 8x8 grey baseline JPEG.
JPEG_8X8 = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBAQEBAQEBD/wAALCAAIAAgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF"
    "BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW"
    "V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi"
    "4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/ACv/2Q=="
)


def test_image_sizes_are_read_from_png_jpeg_and_webp_heads() -> None:
    assert image_size(png_grey(3, 2, b"\x00\x00\x00\x00" * 2)) == (3, 2)
    assert image_size(JPEG_8X8) == (8, 8)
    vp8l = b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f" + ((640 - 1) | ((400 - 1) << 14)).to_bytes(
        4, "little"
    )
    assert image_size(vp8l) == (640, 400)
    assert image_size(b"GIF89a") is None
    assert image_size(base64.b64decode("/9j/")) is None  # a JPEG cut before its frame header


def test_render_keeps_to_the_points_it_is_given() -> None:
    from annobatch.services.point_clouds import Points

    drawn = render(Points([1.0, 1.0], [2.0, 2.0], 2), size=10)
    assert (drawn.width, drawn.height, drawn.extent) == (1, 1, (1.0, 1.0, 2.0, 2.0))

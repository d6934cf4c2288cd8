"""What processing reads of a file: an image's size from its PNG or JPEG header, a point cloud's
points and extent from PCD (ascii, binary; compressed: points only) and LAS headers."""

from __future__ import annotations

import struct

import pytest

from annobatch.domain import image_size, point_cloud_facts


def png(width: int, height: int) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13)
        + b"IHDR"
        + struct.pack(">II", width, height)
        + b"\x08\x02"
    )


def jpeg(width: int, height: int, exif: int = 16) -> bytes:
    app1 = b"\xff\xe1" + struct.pack(">H", exif + 2) + bytes(exif)
    sof = b"\xff\xc2" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    return b"\xff\xd8" + app1 + b"\xff\xff" + sof + b"\xff\xda\x00\x08" + bytes(100)


PCD_HEAD = (
    "# .PCD v0.7\nVERSION 0.7\nFIELDS x y z intensity\nSIZE 4 4 4 1\nTYPE F F F U\nCOUNT 1 1 1 1\n"
    "WIDTH 3\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS 3\nDATA {data}\n"
)
POINTS = [(1.0, 2.0, 3.0, 7), (-4.0, 0.5, 9.0, 8), (2.0, -1.0, 0.0, 9)]
EXTENT = {"points": 3, "min": [-4.0, -1.0, 0.0], "max": [2.0, 2.0, 9.0]}


def las(points: int, lo: tuple[float, float, float], hi: tuple[float, float, float]) -> bytes:
    head = bytearray(227)
    head[:4] = b"LASF"
    struct.pack_into("<I", head, 107, points)
    struct.pack_into("<6d", head, 179, hi[0], lo[0], hi[1], lo[1], hi[2], lo[2])
    return bytes(head)


@pytest.mark.parametrize(
    ("head", "size"),
    [
        (png(1920, 1080), (1920, 1080)),
        (jpeg(1280, 720), (1280, 720)),
        (jpeg(8, 8, exif=4000), (8, 8)),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9", None),  # no frame header
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", None),
        (png(1, 1)[:20], None),  # cut short
    ],
)
def test_an_images_size_is_read_from_its_header(head: bytes, size: tuple[int, int] | None) -> None:
    assert image_size(head) == size


def test_a_pcd_point_clouds_points_and_extent_ascii_or_binary() -> None:
    ascii_body = "".join(f"{x} {y} {z} {i}\n" for x, y, z, i in POINTS)
    assert point_cloud_facts((PCD_HEAD.format(data="ascii") + ascii_body).encode()) == EXTENT
    binary_body = b"".join(struct.pack("<3fB", *p) for p in POINTS)
    assert point_cloud_facts(PCD_HEAD.format(data="binary").encode() + binary_body) == EXTENT
    compressed = PCD_HEAD.format(data="binary_compressed").encode() + bytes(40)
    assert point_cloud_facts(compressed) == {"points": 3}


def test_a_las_point_clouds_facts_come_from_its_header() -> None:
    assert point_cloud_facts(las(1_000_000, (-50.0, -40.0, -2.0), (50.0, 40.0, 8.5))) == {
        "points": 1_000_000, "min": [-50.0, -40.0, -2.0], "max": [50.0, 40.0, 8.5],
    }  # fmt: skip


@pytest.mark.parametrize(
    "content",
    [
        b"x,y,z\n1,2,3\n",
        PCD_HEAD.format(data="binary").encode() + b"\x00\x01",
        b"LASF",
        b"VERSION 0.7\nPOINTS x\n",
    ],
)
def test_what_cannot_be_read_teaches_nothing(content: bytes) -> None:
    assert point_cloud_facts(content) is None

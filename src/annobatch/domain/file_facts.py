"""What a scene's processing learns of its files: an image's width and height (PNG, JPEG), a point
cloud's number of points and its extent (PCD ascii or binary, LAS/LAZ from its header)."""

from __future__ import annotations

import struct
from typing import Any

__all__ = [
    "IMAGE_HEAD_BYTES",
    "image_size",
    "point_cloud_facts",
]

#: How much of an image is read to find its size: a JPEG's frame header comes after its metadata
#: (EXIF, thumbnails), which is rarely longer.
IMAGE_HEAD_BYTES = 256 * 1024
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, 0xD8, *range(0xD0, 0xD8)}
_PCD_TYPES = {("F", 4): "f", ("F", 8): "d", ("I", 1): "b", ("I", 2): "h", ("I", 4): "i", ("I", 8): "q",
              ("U", 1): "B", ("U", 2): "H", ("U", 4): "I", ("U", 8): "Q"}  # fmt: skip


def image_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk or a JPEG's start-of-frame; None when `head` holds
    neither (another format, or the frame header lies further)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return int(width), int(height)
    if not head.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 4 <= len(head):
        if head[i] != 0xFF:
            return None
        marker = head[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        if marker in _SOF and i + 9 <= len(head):
            height, width = struct.unpack(">HH", head[i + 5 : i + 9])
            return int(width), int(height)
        if marker == 0xDA:  # the scan starts: no frame header before it
            return None
        i += 2 + int.from_bytes(head[i + 2 : i + 4], "big")
    return None


def point_cloud_facts(content: bytes) -> dict[str, Any] | None:
    """`{"points": n, "min": [x, y, z], "max": [x, y, z]}` of a PCD (ascii or binary; a compressed
    one gives its points only) or LAS/LAZ file (from its header); None for another format or a
    header that cannot be read."""
    if content.startswith(b"LASF"):
        return _las(content)
    try:
        return _pcd(content)
    except (ValueError, IndexError, KeyError, struct.error):
        return None


def _las(content: bytes) -> dict[str, Any] | None:
    if len(content) < 227:
        return None
    points = struct.unpack_from("<I", content, 107)[0]
    mx, nx, my, ny, mz, nz = struct.unpack_from("<6d", content, 179)
    return {"points": int(points), "min": [nx, ny, nz], "max": [mx, my, mz]}


def _pcd(content: bytes) -> dict[str, Any] | None:
    header: dict[str, list[str]] = {}
    offset = 0
    while offset < len(content):
        end = content.find(b"\n", offset)
        end = len(content) if end < 0 else end
        line = content[offset:end].decode("ascii").strip()
        offset = end + 1
        if not line or line.startswith("#"):
            continue
        key, *values = line.split()
        header[key.upper()] = values
        if key.upper() == "DATA":
            break
    if "DATA" not in header or "POINTS" not in header:
        return None
    points = int(header["POINTS"][0])
    facts: dict[str, Any] = {"points": points}
    fields = header["FIELDS"]
    if not {"x", "y", "z"} <= set(fields) or points == 0:
        return facts
    data = header["DATA"][0].lower()
    columns = _columns(fields, header.get("COUNT"))
    body = content[offset:]
    if data == "ascii":
        rows = [r.split() for r in body.decode("ascii").splitlines() if r.strip()]
        xyz = [[float(r[columns[a]]) for a in "xyz"] for r in rows[:points]]
    elif data == "binary":
        xyz = _binary_xyz(header, columns, body, points)
    else:
        return facts  # binary_compressed: its points, not its extent
    if xyz:
        facts["min"] = [min(p[i] for p in xyz) for i in range(3)]
        facts["max"] = [max(p[i] for p in xyz) for i in range(3)]
    return facts


def _binary_xyz(
    header: dict[str, list[str]], columns: dict[str, int], body: bytes, points: int
) -> list[list[float]]:
    counts = header.get("COUNT") or ["1"] * len(header["FIELDS"])
    kinds = zip(header["TYPE"], header["SIZE"], counts, strict=True)
    fmt = "<" + "".join(f"{int(c)}{_PCD_TYPES[(t, int(s))]}" for t, s, c in kinds)
    size = struct.calcsize(fmt)
    records = struct.iter_unpack(fmt, memoryview(body)[: size * points])
    return [[float(rec[columns[a]]) for a in "xyz"] for rec in records]


def _columns(fields: list[str], counts: list[str] | None) -> dict[str, int]:
    """Where each field's first value is in a point's values."""
    at, columns = 0, {}
    for i, name in enumerate(fields):
        columns[name] = at
        at += int(counts[i]) if counts else 1
    return columns

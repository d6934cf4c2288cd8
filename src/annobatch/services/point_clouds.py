"""A point cloud seen from above: the points of a PCD (ASCII, binary, binary_compressed), CSV or
LAS file, read with the standard library only, and drawn as a greyscale PNG where each pixel is
darker the more points fall in it.

A large cloud is thinned evenly to at most `MAX_POINTS` points before it is drawn: the picture is
an overview, and the count and extent reported are those of the whole file. LAZ (compressed LAS)
is not read: it says so."""

from __future__ import annotations

import math
import re
import struct
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

#: At most this many points are drawn (evenly spaced through the file).
MAX_POINTS = 200_000
#: The longer side of the picture, in pixels.
DEFAULT_SIZE = 512

_PCD_TYPES = {("F", 4): "f", ("F", 8): "d", ("I", 1): "b", ("I", 2): "h", ("I", 4): "i", ("I", 8): "q",
              ("U", 1): "B", ("U", 2): "H", ("U", 4): "I", ("U", 8): "Q"}  # fmt: skip


class UnreadableCloud(ValueError):
    """The file is not a point cloud this module reads; the message says why."""


@dataclass(frozen=True, slots=True)
class TopDown:
    """What a point cloud looks like from above."""

    #: points in the file
    points: int
    #: (min x, max x, min y, max y) over the points drawn, in the cloud's units (metres)
    extent: tuple[float, float, float, float]
    png: bytes
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Points:
    """x and y of (at most MAX_POINTS of) a cloud's points, and how many the file has."""

    xs: Sequence[float]
    ys: Sequence[float]
    total: int


def read_points(filename: str, data: bytes, limit: int = MAX_POINTS) -> Points:
    """The x and y of a cloud's points (every n-th when there are more than `limit`)."""
    name = filename.lower()
    if data.startswith(b"LASF"):
        if name.endswith(".laz"):
            raise UnreadableCloud("a LAZ (compressed) point cloud is not drawn here")
        return _las(data, limit)
    text = data.lstrip(b"\xef\xbb\xbf")
    if name.endswith(".pcd") or text.startswith((b"# .PCD", b"VERSION", b"FIELDS")):
        return _pcd(text, limit)
    return _csv(text, limit)


def top_down(filename: str, data: bytes, size: int = DEFAULT_SIZE) -> TopDown:
    """The cloud drawn from above, x to the right and y up, scaled to fit `size` pixels."""
    pts = read_points(filename, data)
    return render(pts, size)


def render(pts: Points, size: int = DEFAULT_SIZE) -> TopDown:
    finite = [(x, y) for x, y in zip(pts.xs, pts.ys, strict=True) if math.isfinite(x) and math.isfinite(y)]
    if not finite:
        raise UnreadableCloud("the point cloud has no points to draw")
    x0, x1 = min(p[0] for p in finite), max(p[0] for p in finite)
    y0, y1 = min(p[1] for p in finite), max(p[1] for p in finite)
    span = max(x1 - x0, y1 - y0) or 1.0
    scale = (size - 1) / span
    width = max(1, int((x1 - x0) * scale) + 1)
    height = max(1, int((y1 - y0) * scale) + 1)
    counts = array("I", bytes(4 * width * height))
    for x, y in finite:
        col = int((x - x0) * scale)
        row = height - 1 - int((y - y0) * scale)
        counts[row * width + col] += 1
    peak = max(counts)
    # log-scaled: a single point is visible, a dense patch is black
    shade = [255 - int(215 * math.log1p(c) / math.log1p(peak)) - 40 if c else 255 for c in range(peak + 1)]
    pixels = bytearray()
    for r in range(height):
        pixels.append(0)  # filter: none
        pixels.extend(shade[c] for c in counts[r * width : (r + 1) * width])
    return TopDown(pts.total, (x0, x1, y0, y1), png_grey(width, height, bytes(pixels)), width, height)


def png_grey(width: int, height: int, rows: bytes) -> bytes:
    """An 8-bit greyscale PNG of `rows` (each row a filter byte, 0, then `width` pixels)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 6))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------------------------- PCD


def _pcd(data: bytes, limit: int) -> Points:
    header: dict[str, list[str]] = {}
    at = 0
    while at < len(data):
        end = data.find(b"\n", at)
        end = len(data) if end < 0 else end
        line = data[at:end].decode("ascii", "replace").strip()
        at = end + 1
        if not line or line.startswith("#"):
            continue
        key, *values = line.split()
        header[key.upper()] = values
        if key.upper() == "DATA":
            break
    fields = header.get("FIELDS", [])
    if "x" not in fields or "y" not in fields:
        raise UnreadableCloud("the PCD file has no x and y fields")
    kind = (header.get("DATA") or ["ascii"])[0].lower()
    total = int((header.get("POINTS") or ["0"])[0])
    body = data[at:]
    if kind == "ascii":
        return _pcd_ascii(body, fields, header, limit)
    layout = _pcd_layout(fields, header)
    if kind == "binary":
        return _pcd_binary(body, layout, total, limit)
    if kind == "binary_compressed":
        return _pcd_compressed(body, layout, total, limit)
    raise UnreadableCloud(f"PCD data {kind!r} is not read here")


def _columns(fields: list[str], header: dict[str, list[str]]) -> tuple[int, int]:
    """Where x and y are among the values of a point (a field may count several)."""
    counts = [int(c) for c in header.get("COUNT", ["1"] * len(fields))]
    starts = [sum(counts[:i]) for i in range(len(fields))]
    return starts[fields.index("x")], starts[fields.index("y")]


def _pcd_ascii(body: bytes, fields: list[str], header: dict[str, list[str]], limit: int) -> Points:
    cx, cy = _columns(fields, header)
    lines = body.split(b"\n")
    rows = [ln for ln in lines if ln.strip()]
    step = max(1, math.ceil(len(rows) / limit))
    xs, ys = array("d"), array("d")
    for ln in rows[::step]:
        values = ln.split()
        try:
            xs.append(float(values[cx]))
            ys.append(float(values[cy]))
        except (IndexError, ValueError):
            raise UnreadableCloud("a PCD point is not a row of numbers") from None
    return Points(xs, ys, len(rows))


@dataclass(frozen=True, slots=True)
class _Layout:
    """The binary fields of a PCD point: their struct codes, sizes and counts, and x's and y's."""

    codes: list[str]
    sizes: list[int]
    counts: list[int]
    x: int
    y: int

    @property
    def point_size(self) -> int:
        return sum(s * c for s, c in zip(self.sizes, self.counts, strict=True))


def _pcd_layout(fields: list[str], header: dict[str, list[str]]) -> _Layout:
    sizes = [int(s) for s in header.get("SIZE", [])]
    types = header.get("TYPE", [])
    counts = [int(c) for c in header.get("COUNT", ["1"] * len(fields))]
    if not (len(sizes) == len(types) == len(counts) == len(fields)):
        raise UnreadableCloud("the PCD header's FIELDS, SIZE, TYPE and COUNT do not match")
    try:
        codes = [_PCD_TYPES[(t.upper(), s)] for t, s in zip(types, sizes, strict=True)]
    except KeyError:
        raise UnreadableCloud("the PCD file has a field type that is not read here") from None
    return _Layout(codes, sizes, counts, fields.index("x"), fields.index("y"))


def _pcd_binary(body: bytes, layout: _Layout, total: int, limit: int) -> Points:
    """Points one after the other, each all its fields."""
    size = layout.point_size
    total = min(total, len(body) // size) if size else 0
    ox = sum(s * c for s, c in zip(layout.sizes[: layout.x], layout.counts[: layout.x], strict=True))
    oy = sum(s * c for s, c in zip(layout.sizes[: layout.y], layout.counts[: layout.y], strict=True))
    fx, fy = "<" + layout.codes[layout.x], "<" + layout.codes[layout.y]
    step = max(1, math.ceil(total / limit))
    xs, ys = array("d"), array("d")
    for i in range(0, total, step):
        xs.append(struct.unpack_from(fx, body, i * size + ox)[0])
        ys.append(struct.unpack_from(fy, body, i * size + oy)[0])
    return Points(xs, ys, total)


def _pcd_compressed(body: bytes, layout: _Layout, total: int, limit: int) -> Points:
    """An LZF block holding each field's values for every point, field after field."""
    if len(body) < 8:
        raise UnreadableCloud("the compressed PCD data is cut short")
    compressed, size = struct.unpack_from("<II", body, 0)
    raw = lzf_decompress(body[8 : 8 + compressed], size)
    starts, at = [], 0
    for s, c in zip(layout.sizes, layout.counts, strict=True):
        starts.append(at)
        at += s * c * total
    if at > len(raw):
        raise UnreadableCloud("the compressed PCD data is shorter than its header says")
    step = max(1, math.ceil(total / limit)) if total else 1
    sx = layout.sizes[layout.x] * layout.counts[layout.x]
    sy = layout.sizes[layout.y] * layout.counts[layout.y]
    fx, fy = "<" + layout.codes[layout.x], "<" + layout.codes[layout.y]
    xs, ys = array("d"), array("d")
    for i in range(0, total, step):
        xs.append(struct.unpack_from(fx, raw, starts[layout.x] + i * sx)[0])
        ys.append(struct.unpack_from(fy, raw, starts[layout.y] + i * sy)[0])
    return Points(xs, ys, total)


def lzf_decompress(data: bytes, expected: int) -> bytes:
    """LZF (liblzf) decompression, as PCD's binary_compressed uses it."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        ctrl = data[i]
        i += 1
        if ctrl < 32:  # a literal run of ctrl + 1 bytes
            out += data[i : i + ctrl + 1]
            i += ctrl + 1
            continue
        length = ctrl >> 5
        if length == 7:
            length += data[i]
            i += 1
        ref = len(out) - ((ctrl & 0x1F) << 8) - data[i] - 1
        i += 1
        if ref < 0:
            raise UnreadableCloud("the compressed PCD data is corrupt")
        for k in range(length + 2):  # a back reference may overlap what it writes
            out.append(out[ref + k])
    if len(out) != expected:
        raise UnreadableCloud("the compressed PCD data does not have the size its header says")
    return bytes(out)


# ---------------------------------------------------------------------------------------- CSV

_SEPARATOR = re.compile(rb"[,;\t ]+")


def _csv(data: bytes, limit: int) -> Points:
    """A header line naming x and y (`ts_gps,x,y,z,intensity`), then a point a line."""
    lines = [ln for ln in data.split(b"\n") if ln.strip()]
    if not lines:
        raise UnreadableCloud("the point cloud file is empty")
    names = [n.strip().lower() for n in _SEPARATOR.split(lines[0].strip()) if n.strip()]
    if b"x" not in names or b"y" not in names:
        raise UnreadableCloud("the CSV point cloud has no x and y columns in its first line")
    cx, cy = names.index(b"x"), names.index(b"y")
    rows = lines[1:]
    step = max(1, math.ceil(len(rows) / limit))
    xs, ys = array("d"), array("d")
    for ln in rows[::step]:
        values = [v for v in _SEPARATOR.split(ln.strip()) if v]
        try:
            xs.append(float(values[cx]))
            ys.append(float(values[cy]))
        except (IndexError, ValueError):
            raise UnreadableCloud("a CSV point is not a row of numbers") from None
    return Points(xs, ys, len(rows))


# ---------------------------------------------------------------------------------------- LAS


def _las(data: bytes, limit: int) -> Points:
    """LAS 1.0 to 1.4: every point record starts with its x, y and z as scaled 32-bit integers."""
    if len(data) < 227:
        raise UnreadableCloud("the LAS header is cut short")
    offset = struct.unpack_from("<I", data, 96)[0]
    record = struct.unpack_from("<H", data, 105)[0]
    total = struct.unpack_from("<I", data, 107)[0]
    sx, sy = struct.unpack_from("<dd", data, 131)
    ox, oy = struct.unpack_from("<dd", data, 155)
    if total == 0 and len(data) >= 255:  # LAS 1.4 keeps large counts in a 64-bit field
        total = struct.unpack_from("<Q", data, 247)[0]
    if record < 12:
        raise UnreadableCloud("the LAS point records are too short to hold x and y")
    total = min(total, max(0, (len(data) - offset) // record))
    step = max(1, math.ceil(total / limit))
    xs, ys = array("d"), array("d")
    for i in range(0, total, step):
        x, y = struct.unpack_from("<ii", data, offset + i * record)
        xs.append(x * sx + ox)
        ys.append(y * sy + oy)
    return Points(xs, ys, total)

"""The first pixel of a small PNG (8-bit RGB/RGBA, as Chromium's screenshots are), without Pillow."""

import struct
import zlib


def first_pixel(data: bytes) -> tuple[int, int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    _, _, depth, color, *_ = ihdr
    assert depth == 8 and color in (2, 6), ihdr
    raw = zlib.decompress(idat)
    # every filter predicts the first pixel of the first row from zeros: its bytes are as is
    return tuple(raw[1:4])

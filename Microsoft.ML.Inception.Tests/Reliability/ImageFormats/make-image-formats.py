"""Writes the image-format fixtures of ImageFormatTests from examples/data/photos/cat/chelsea.jpg (CC0).

Run from the repository root with Debian's python3-pil: /usr/bin/python3 <this file>. Every file holds the same
48x32 picture (the photo's centre, shrunk), so the tests can compare what each format decodes to with rgb.png.
"""
import struct
import zlib
from pathlib import Path

from PIL import Image

here = Path(__file__).parent
photo = Image.open("examples/data/photos/cat/chelsea.jpg").convert("RGB")
w, h = photo.size
picture = photo.crop((w // 2 - 120, h // 2 - 80, w // 2 + 120, h // 2 + 80)).resize((48, 32), Image.LANCZOS)


def png16(path, image, mode):
    """A 16-bit PNG written with zlib (Pillow writes 16-bit PNGs only for grey): each 8-bit value v as v x 257."""
    channels = {"RGB": 3, "L": 1}[mode]
    colour_type = {"RGB": 2, "L": 0}[mode]
    raw = b""
    for y in range(image.height):
        row = b"\x00"
        for x in range(image.width):
            values = image.getpixel((x, y))
            values = values if channels > 1 else (values,)
            row += b"".join(struct.pack(">H", v * 257) for v in values)
        raw += row

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", image.width, image.height, 16, colour_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


picture.save(here / "rgb.png")
png16(here / "rgb-16bit.png", picture, "RGB")
rgba = picture.convert("RGBA")
rgba.putalpha(255)
rgba.save(here / "rgba-opaque.png")
grey = picture.convert("L")
grey.save(here / "grey.png")
png16(here / "grey-16bit.png", grey, "L")
picture.save(here / "rgb.jpg", quality=95, subsampling=0)
picture.convert("CMYK").save(here / "cmyk.jpg", quality=95, subsampling=0)
Image.new("RGB", (1, 1), (200, 40, 90)).save(here / "one-pixel.png")

"""Render our own MoD-style update texts to PNG images, the way @DefenceHQ posts its updates.

    .venv/bin/python samples/ukmod/render.py            # images/*.txt -> images/*.png

The output is deterministic for a given Pillow version: Pillow's bundled font (no system fonts),
fixed sizes, no timestamps or metadata in the PNG. The first line of a text is drawn as the header.
"""

from __future__ import annotations

import io
import sys
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

IMAGES_DIR = Path(__file__).resolve().parent / "images"
WIDTH = 1200
MARGIN = 48
BODY_SIZE = 30
HEADER_SIZE = 30
LINE_GAP = 12
WRAP_CHARS = 70
INK = (20, 30, 60)
HEADER_BAND = (225, 230, 240)


def render_update_png(text: str) -> bytes:
    """PNG bytes of `text`: first line as a header band, then the paragraphs wrapped."""
    # Pillow's bundled font has no en/em dash glyphs (they would print as boxes that OCR reads as "X").
    lines = text.replace("–", "-").replace("—", "-").strip().splitlines()
    header, paragraphs = lines[0].strip(), "\n".join(lines[1:]).strip().split("\n\n")
    header_font = ImageFont.load_default(size=HEADER_SIZE)
    body_font = ImageFont.load_default(size=BODY_SIZE)

    header_lines = textwrap.wrap(header, WRAP_CHARS)
    body_lines: list[str] = []
    for paragraph in paragraphs:
        body_lines += [*textwrap.wrap(" ".join(paragraph.split()), WRAP_CHARS), ""]
    step = BODY_SIZE + LINE_GAP
    header_height = MARGIN + len(header_lines) * step + MARGIN // 2
    height = header_height + MARGIN + len(body_lines) * step + MARGIN

    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, header_height), fill=HEADER_BAND)
    y = MARGIN
    for line in header_lines:
        draw.text((MARGIN, y), line, font=header_font, fill=INK)
        y += step
    y = header_height + MARGIN
    for line in body_lines:
        draw.text((MARGIN, y), line, font=body_font, fill=INK)
        y += step

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=9)
    return out.getvalue()


def main(argv: list[str]) -> int:
    sources = [Path(a) for a in argv] or sorted(IMAGES_DIR.glob("*.txt"))
    for source in sources:
        target = source.with_suffix(".png")
        target.write_bytes(render_update_png(source.read_text(encoding="utf-8")))
        print(f"{source} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Write the sample exhibits (data/sample/formats/exhibits/), deterministically.

Run ``python data/sample/make_exhibits.py``; the committed files are what the tests read:

- ``screenshot.png``: a chat bubble as a phone shows it ("Do not contact me again", 19:05), no
  metadata, so its time is undetermined until the case file pins it;
- ``envelope.jpg``: a photo of a letter's envelope with EXIF DateTimeOriginal
  2024:03:14 08:12:00 and OffsetTimeOriginal +00:00, as a phone camera writes them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent / "formats" / "exhibits"
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def screenshot() -> Image.Image:
    img = Image.new("RGB", (420, 110), (236, 229, 221))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((20, 20, 400, 90), 16, fill=(220, 248, 198))
    draw.text((36, 34), "Do not contact me again", font=ImageFont.truetype(str(FONT), 24),
              fill=(0, 0, 0))
    draw.text((350, 70), "19:05", font=ImageFont.truetype(str(FONT), 12), fill=(90, 90, 90))
    return img


def envelope() -> tuple[Image.Image, bytes]:
    img = Image.new("RGB", (160, 100), (240, 232, 210))
    draw = ImageDraw.Draw(img)
    draw.rectangle((120, 8, 150, 40), fill=(200, 40, 40))            # the stamp
    draw.text((20, 55), "Dana Example", font=ImageFont.truetype(str(FONT), 12), fill=(0, 0, 0))
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2024:03:14 08:12:00"
    sub[0x9011] = "+00:00"
    return img, exif.tobytes()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    screenshot().save(OUT / "screenshot.png", optimize=True)
    img, exif = envelope()
    img.save(OUT / "envelope.jpg", format="JPEG", quality=85, exif=exif)


if __name__ == "__main__":
    main()

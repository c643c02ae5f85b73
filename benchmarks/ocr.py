"""OCR time per screenshot: the median over 20 generated phone screenshots.

    python benchmarks/ocr.py [--count 20] [--json out.json]

Each screenshot is drawn here (1080 x 2340 px, a phone's screen, with chat bubbles of varying
text), so nothing is fetched. For every image the script times the exhibits reader's OCR call
alone, and as the baseline in the same run, decoding the same PNG and scaling it to a thumbnail
(what the report does for every image anyway); it prints the medians and their ratio. One
process, after the engine is made once (its start-up is reported apart).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WORDS = ("Do not contact me again", "you can't hide from me", "I saw you at the station",
         "answer your phone", "Bitte lass mich in Ruhe", "No me escribas más",
         "why are you ignoring me")


def screenshot(n: int) -> bytes:
    import matplotlib

    font = ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" /
                                  "DejaVuSans.ttf"), 34)
    img = Image.new("RGB", (1080, 2340), (236, 229, 221))
    draw = ImageDraw.Draw(img)
    for k in range(4 + n % 9):
        y = 160 + k * 200
        left = 60 if k % 2 else 360
        draw.rounded_rectangle((left, y, left + 660, y + 130), 24,
                               fill=(255, 255, 255) if k % 2 else (220, 248, 198))
        draw.text((left + 30, y + 40), f"{WORDS[(n + k) % len(WORDS)]} ({k})", font=font,
                  fill=(0, 0, 0))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from whoa_analysis.readers import exhibits

    start = time.perf_counter()
    engine = exhibits.ocr_engine()
    if engine is None:
        print("no OCR engine installed: pip install 'whoa_analysis[exhibits]'", file=sys.stderr)
        return 2
    ocr, name = engine
    made = time.perf_counter() - start
    images = [screenshot(n) for n in range(args.count)]
    ocr_s, base_s, lines = [], [], 0
    for data in images:
        t = time.perf_counter()
        with Image.open(io.BytesIO(data)) as img:
            img.convert("RGB").thumbnail((320, 320))
        base_s.append(time.perf_counter() - t)
        with Image.open(io.BytesIO(data)) as img:
            rgb = img.convert("RGB")
            t = time.perf_counter()
            result, _ = ocr(rgb)
            ocr_s.append(time.perf_counter() - t)
        lines += len(result or ())
    result = {"engine": name, "images": len(images), "engine_start_s": round(made, 3),
              "ocr_median_s": round(statistics.median(ocr_s), 3),
              "ocr_min_s": round(min(ocr_s), 3), "ocr_max_s": round(max(ocr_s), 3),
              "decode_thumbnail_median_s": round(statistics.median(base_s), 4),
              "ratio_ocr_to_decode": round(statistics.median(ocr_s) / statistics.median(base_s), 1),
              "lines_read": lines}
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Draw the vision suite's images and write its samples.jsonl, deterministically.

Run ``python suites/vision/make_images.py [--out DIR]`` (default: this
folder). Every image comes from a random generator seeded by its id, text is
drawn with Pillow's built-in font (``ImageFont.load_default(size=...)``, no
system fonts), and PNGs are saved with fixed settings and no metadata, so a
second run writes the same bytes (with the same Pillow version).

Kinds: counting shapes, reading a number, reading a word, the colour of a
shape, the tallest bar of a bar chart, and a cell of a small table.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
PER_KIND = 11
WHITE = (255, 255, 255)
INK = (20, 20, 20)
GREY = (120, 120, 120)

# name -> (RGB, acceptable answers)
COLOURS: dict[str, tuple[tuple[int, int, int], list[str]]] = {
    "red": ((220, 30, 30), ["red"]),
    "green": ((30, 150, 50), ["green"]),
    "blue": ((30, 70, 220), ["blue"]),
    "yellow": ((245, 205, 20), ["yellow"]),
    "orange": ((245, 130, 20), ["orange"]),
    "purple": ((130, 40, 170), ["purple", "violet"]),
    "black": ((15, 15, 15), ["black"]),
}
SHAPES = ("circle", "square", "triangle")
WORDS = (
    "LANTERN", "MEADOW", "PEBBLE", "HARBOR", "WILLOW", "COMET", "VIOLIN", "GLACIER",
    "SPARROW", "THIMBLE", "ORCHID", "BEACON", "KETTLE", "MOSAIC", "PUFFIN",
)  # fmt: skip
BAR_LABELS = (
    ("A", "B", "C", "D", "E"),
    ("Mon", "Tue", "Wed", "Thu", "Fri"),
    ("Jan", "Feb", "Mar", "Apr"),
    ("P", "Q", "R", "S", "T", "U"),
)
TABLE_HEADERS = (
    (("North", "South", "East"), ("Q1", "Q2", "Q3")),
    (("Ana", "Ben", "Cy"), ("Math", "Art", "PE")),
    (("Red", "Blue", "Green"), ("Small", "Medium", "Large")),
)

Item = tuple[Image.Image, str, Any, Any, list[str]]
"""(image, question, expected, grader, tags)"""


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _shape(draw: ImageDraw.ImageDraw, kind: str, cx: int, cy: int, r: int, fill: Any) -> None:
    if kind == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    elif kind == "square":
        draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=fill)
    else:
        draw.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=fill)


def counting(i: int, rng: random.Random) -> Item:
    target = SHAPES[i % len(SHAPES)]
    n = rng.randint(2, 9)
    others = [s for s in SHAPES if s != target]
    distractors = rng.randint(0, min(4, 16 - n))
    kinds = [target] * n + [rng.choice(others) for _ in range(distractors)]
    cells = rng.sample(range(16), len(kinds))
    img = Image.new("RGB", (224, 224), WHITE)
    draw = ImageDraw.Draw(img)
    for kind, cell in zip(kinds, cells, strict=True):
        cx = 28 + 56 * (cell % 4) + rng.randint(-4, 4)
        cy = 28 + 56 * (cell // 4) + rng.randint(-4, 4)
        colour = COLOURS[rng.choice(list(COLOURS))][0]
        _shape(draw, kind, cx, cy, rng.randint(15, 20), colour)
    q = f"How many {target}s are in the image? Reply with the number only."
    return img, q, n, {"type": "numeric"}, ["counting"]


def number(i: int, rng: random.Random) -> Item:
    digits = 3 + i % 4
    value = str(rng.randint(10 ** (digits - 1), 10**digits - 1))
    img = Image.new("RGB", (256, 96), (245, 245, 240))
    draw = ImageDraw.Draw(img)
    colour = rng.choice([INK, COLOURS["blue"][0], COLOURS["red"][0], COLOURS["green"][0]])
    draw.text((128, 48), value, font=_font(rng.randint(40, 52)), fill=colour, anchor="mm")
    q = "What number is written in the image? Reply with the digits only."
    return img, q, value, "normalized", ["reading", "number"]


def word(i: int, rng: random.Random) -> Item:
    text = WORDS[i % len(WORDS)]
    img = Image.new("RGB", (256, 96), rng.choice([WHITE, (235, 242, 250), (250, 244, 230)]))
    draw = ImageDraw.Draw(img)
    draw.text((128, 48), text, font=_font(rng.randint(30, 38)), fill=INK, anchor="mm")
    q = "What word is written in the image? Reply with the word only."
    return img, q, text.lower(), "normalized", ["reading", "word"]


def colour(i: int, rng: random.Random) -> Item:
    names = list(COLOURS)
    asked, other = rng.sample(names, 2)
    kind, other_kind = rng.sample(list(SHAPES), 2)
    img = Image.new("RGB", (192, 128), WHITE)
    draw = ImageDraw.Draw(img)
    left = i % 2 == 0
    _shape(draw, kind, 48 if left else 144, 64, 34, COLOURS[asked][0])
    _shape(draw, other_kind, 144 if left else 48, 64, 34, COLOURS[other][0])
    q = f"What colour is the {kind} in the image? Reply with one word."
    return img, q, COLOURS[asked][1], "normalized", ["colour"]


def bars(i: int, rng: random.Random) -> Item:
    labels = BAR_LABELS[i % len(BAR_LABELS)]
    n = len(labels)
    top = rng.randrange(n)
    heights = [rng.randint(30, 110) for _ in range(n)]
    heights[top] = max(heights) + rng.randint(20, 40)
    img = Image.new("RGB", (256, 200), WHITE)
    draw = ImageDraw.Draw(img)
    base, width = 170, 200 // n
    draw.line((24, base, 248, base), fill=GREY, width=2)
    draw.line((24, 12, 24, base), fill=GREY, width=2)
    font = _font(14)
    fill = COLOURS[rng.choice(["blue", "green", "orange", "purple"])][0]
    for j, (label, h) in enumerate(zip(labels, heights, strict=True)):
        x0 = 32 + j * width + 4
        draw.rectangle((x0, base - h, x0 + width - 10, base - 1), fill=fill)
        draw.text((x0 + (width - 10) // 2, base + 14), label, font=font, fill=INK, anchor="mm")
    q = "Which bar in the chart is the tallest? Reply with its label only."
    return img, q, labels[top], "normalized", ["chart"]


def table(i: int, rng: random.Random) -> Item:
    rows, cols = TABLE_HEADERS[i % len(TABLE_HEADERS)]
    values = rng.sample(range(10, 100), len(rows) * len(cols))
    img = Image.new("RGB", (256, 144), WHITE)
    draw = ImageDraw.Draw(img)
    font = _font(15)
    cw, rh = 64, 36
    for r in range(len(rows) + 1):
        for c in range(len(cols) + 1):
            box = (c * cw, r * rh, c * cw + cw - 1, r * rh + rh - 1)
            head = r == 0 or c == 0
            draw.rectangle(box, fill=(225, 230, 240) if head else WHITE, outline=GREY)
            if r == 0 and c == 0:
                continue
            text = cols[c - 1] if r == 0 else rows[r - 1] if c == 0 else ""
            if not head:
                text = str(values[(r - 1) * len(cols) + (c - 1)])
            draw.text((c * cw + cw // 2, r * rh + rh // 2), text, font=font, fill=INK, anchor="mm")
    r, c = rng.randrange(len(rows)), rng.randrange(len(cols))
    value = str(values[r * len(cols) + c])
    q = (
        f"In the table, what is the value in row {rows[r]}, column {cols[c]}? "
        "Reply with the number only."
    )
    return img, q, value, "normalized", ["table"]


KINDS: dict[str, Callable[[int, random.Random], Item]] = {
    "count": counting,
    "number": number,
    "word": word,
    "colour": colour,
    "bars": bars,
    "table": table,
}


def write(out_dir: Path) -> list[Path]:
    """Draw every image into ``out_dir/images`` and write ``out_dir/samples.jsonl``."""
    images = out_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    lines: list[str] = []
    for kind, make in KINDS.items():
        for i in range(PER_KIND):
            sid = f"{kind}-{i + 1:02d}"
            img, question, expected, grader, tags = make(i, random.Random(f"vision:{sid}"))
            path = images / f"{sid}.png"
            img.save(path, format="PNG", optimize=False, compress_level=9)
            written.append(path)
            sample = {
                "id": sid,
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": question},
                            {"type": "image_url", "image_url": {"url": f"images/{sid}.png"}},
                        ],
                    }
                ],
                "expected": expected,
                "grader": grader,
                "tags": tags,
            }
            lines.append(json.dumps(sample, ensure_ascii=False) + "\n")
    jsonl = out_dir / "samples.jsonl"
    jsonl.write_text("".join(lines), "utf-8")
    return [*written, jsonl]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder for images/ and samples.jsonl"
    )
    paths = write(parser.parse_args().out)
    print(f"wrote {len(paths)} files to {parser.parse_args().out}")


if __name__ == "__main__":
    main()

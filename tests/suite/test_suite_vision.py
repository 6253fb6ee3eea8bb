"""suites/vision: make_images.py redraws the committed images and JSONL byte for byte."""

from __future__ import annotations

import base64
from collections import Counter
from pathlib import Path

import PIL
from PIL import Image
from suite_files import SUITES, build_module

from evalkit.suite import load_suite

VISION = SUITES / "vision"


def test_images_regenerate_byte_for_byte(tmp_path: Path) -> None:
    written = build_module("vision", "make_images.py").write(tmp_path)
    names = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert names == sorted(p.name for p in (VISION / "images").iterdir())
    for path in written:
        committed = VISION / path.relative_to(tmp_path)
        assert path.read_bytes() == committed.read_bytes(), (
            f"{committed} differs from make_images.py's output with Pillow {PIL.__version__}: "
            "run python suites/vision/make_images.py"
        )


def test_images_are_small_and_every_kind_is_there() -> None:
    suite = load_suite(VISION)
    kinds = Counter(s.id.rsplit("-", 1)[0] for s in suite.samples)
    assert set(kinds) == {"count", "number", "word", "colour", "bars", "table"}
    assert min(kinds.values()) >= 10
    for path in (VISION / "images").iterdir():
        assert path.suffix == ".png"
        assert path.stat().st_size < 16_000, path
        with Image.open(path) as img:
            assert img.width <= 256 and img.height <= 256


def test_image_parts_become_data_uris_of_the_files() -> None:
    suite = load_suite(VISION)
    sample = next(s for s in suite.samples if s.id == "table-01")
    part = sample.messages[0]["content"][1]
    prefix = "data:image/png;base64,"
    assert part["image_url"]["url"].startswith(prefix)
    data = base64.b64decode(part["image_url"]["url"][len(prefix) :])
    assert data == (VISION / "images" / "table-01.png").read_bytes()

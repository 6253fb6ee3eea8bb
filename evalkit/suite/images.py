"""A suite's images: local files sent as data URIs, and their part in the suite's hash.

An image part's URL is a path relative to the suite's folder (it may not
leave it), or an http(s) or data URI, which passes through unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evalkit.suite.schema import Sample


def image_to_data_uri(url: str, base: Path) -> str:
    """A local image path (relative to ``base``, inside it) as a data URI; URLs pass.

    ValueError says what is wrong: an unknown scheme, a path outside the
    suite's folder, a missing, empty or non-image file.
    """
    if url.startswith(("http://", "https://", "data:")):
        return url
    if "://" in url:
        raise ValueError(f"unsupported image URL scheme in {url!r}")
    target = (base / url).resolve()
    if not target.is_relative_to(base.resolve()):
        raise ValueError(f"image {url!r} is outside the suite's folder")
    if not target.is_file():
        raise ValueError(f"image {url!r} not found")
    mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if not mime.startswith("image/"):
        raise ValueError(f"{url!r} is not an image file")
    raw = target.read_bytes()
    if not raw:
        raise ValueError(f"image {url!r} is an empty file")
    data = base64.b64encode(raw).decode("ascii")
    return f"data:{mime};base64,{data}"


def raw_image_urls(obj: dict[str, Any]) -> Iterator[str]:
    """The image URLs of a line as written (whether or not the line is valid)."""
    messages = obj.get("messages")
    for msg in messages if isinstance(messages, list) else ():
        content = msg.get("content") if isinstance(msg, dict) else None
        for part in content if isinstance(content, list) else ():
            if isinstance(part, dict) and part.get("type") == "image_url":
                img = part.get("image_url")
                url = img.get("url") if isinstance(img, dict) else None
                if isinstance(url, str):
                    yield url


def images_digest(urls: list[str], base: Path) -> bytes:
    """What the suite's hash covers of its images: each local file's bytes (by sha256).

    An edited image file then changes the suite as an edited line does, for
    every line: a run covering only some samples (``--limit``, a shard) gets
    the hash of the whole suite, so shards of one suite agree on it. A URL
    that names no readable file in the suite's folder counts as its text.
    """
    digest = hashlib.sha256()
    seen: dict[str, str] = {}
    root = base.resolve()
    for url in urls:
        mark = seen.get(url)
        if mark is None:
            mark = url
            if "://" not in url and not url.startswith("data:"):
                target = (base / url).resolve()
                if target.is_relative_to(root) and target.is_file():
                    mark = hashlib.sha256(target.read_bytes()).hexdigest()
            seen[url] = mark
        digest.update(mark.encode() + b"\n")
    return digest.digest()


class ImageError(ValueError):
    """An image part that cannot be sent; ``field`` is where it is in the sample."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def inline_images(sample: Sample, base: Path) -> None:
    """Replace each local image of ``sample`` by its data URI; ImageError if one cannot be."""
    for i, msg in enumerate(sample.messages):
        content = msg.get("content")
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            if part.get("type") == "image_url":
                try:
                    part["image_url"] = {
                        **part["image_url"],
                        "url": image_to_data_uri(part["image_url"]["url"], base),
                    }
                except ValueError as exc:
                    raise ImageError(
                        f"messages[{i}].content[{j}].image_url.url", str(exc)
                    ) from None


__all__ = ["ImageError", "image_to_data_uri", "images_digest", "inline_images", "raw_image_urls"]

"""The pages' data blocks: base64 of deflated JSON, whatever the strings hold."""

from __future__ import annotations

import re

from evalkit.report.packing import pack, unpack

HOSTILE = "</script><!--<script>x</script>\u2028 & > \ud83d lone"


def test_a_block_is_plain_base64_and_decodes_to_the_same_data() -> None:
    data = {"s": HOSTILE, "n": [1, None, 2.5], "nested": [{"k": "é😀"}]}
    text = str(pack(data))
    assert re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text)  # nothing that could close a tag
    assert unpack(text) == data  # the lone surrogate too, as a JSON escape


def test_repetitive_records_pack_small() -> None:
    rows = [
        {"output": f"answer {i}", "scores": [{"grader": "exact", "passed": True}]}
        for i in range(1000)
    ]
    assert len(pack(rows)) < len(str(rows)) / 5

"""``evalkit gen needle``: its flags, and writing the generated suite as JSONL.

The flags map to the needle generator's options (a suite manifest's
``[generator]`` keys); an option not given is left out so that the
generator's own default applies, and the generator checks the values.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.cli.help import HELP_FORMAT, examples

if TYPE_CHECKING:
    from evalkit.cli.help import Subparsers

# flag dest -> needle generator option
_OPTIONS = {
    "lengths": "lengths",
    "depths": "depths",
    "n_depths": "n_depths",
    "depth_spacing": "depth_spacing",
    "needles": "needles_per_cell",
    "seed": "seed",
    "value_kind": "value_kind",
    "haystack": "haystack",
    "reserve_tokens": "reserve_tokens",
    "chars_per_token": "chars_per_token",
}


def _int_list(text: str) -> list[int]:
    """``"1000,8k,32k"`` -> [1000, 8000, 32000] (``k`` means thousands)."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip().lower()
        scale = 1000 if part.endswith("k") else 1
        try:
            out.append(int(float(part.removesuffix("k")) * scale))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a list of token counts: {text!r}") from None
    return out


def _float_list(text: str) -> list[float]:
    try:
        return [float(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of percents: {text!r}") from None


def add_gen_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``evalkit gen`` and its kinds (``needle``) to the subcommands."""
    needle_examples = (
        "evalkit gen needle --lengths 1k,8k,32k --n-depths 5 --out suites/my-needle.jsonl",
        "evalkit gen needle --target mistral-small-3.1 --depths 10,50,90 --needles 2 --out n.jsonl",
    )
    gen = sub.add_parser(
        "gen",
        parents=[common],
        help="generate suites (gen needle ...)",
        description="Generate suites as JSONL.",
        epilog=examples(*needle_examples),
        formatter_class=HELP_FORMAT,
    )
    kinds = gen.add_subparsers(dest="kind", metavar="KIND", required=True)
    p = kinds.add_parser(
        "needle",
        parents=[common],
        help="long-context needle-in-a-haystack grid",
        description="Write a seeded grid of context length x needle depth as a suite.",
        epilog=examples(*needle_examples),
        formatter_class=HELP_FORMAT,
    )
    p.add_argument(
        "--lengths",
        type=_int_list,
        metavar="N,N,...",
        help="context lengths in tokens, k for thousands: 1000,4k,32k "
        "(default: 1k, 2k, 4k, ... up to the context window)",
    )
    depth = p.add_mutually_exclusive_group()
    depth.add_argument(
        "--depths", type=_float_list, metavar="P,P,...", help="needle depths in percent: 0,50,100"
    )
    depth.add_argument(
        "--n-depths", type=int, metavar="N", help="number of depths from 0 to 100 (default 5)"
    )
    p.add_argument(
        "--depth-spacing",
        metavar="SPACING",
        help="how --n-depths spread: linear, or sigmoid for more near both ends (default linear)",
    )
    p.add_argument(
        "--needles", type=int, metavar="N", help="samples per (length, depth) cell (default 1)"
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="seed of the haystacks, keys and values: the same seed, the same suite (default 0)",
    )
    p.add_argument(
        "--value-kind",
        metavar="VALUE",
        help="what the needle hides: number (7 digits), uuid or word (default number)",
    )
    p.add_argument(
        "--haystack", metavar="PATH", help="'builtin' or a UTF-8 text file (default builtin)"
    )
    p.add_argument(
        "--reserve-tokens",
        type=int,
        metavar="N",
        help="tokens of each length left for the question and the answer (default 200)",
    )
    p.add_argument(
        "--chars-per-token",
        type=float,
        metavar="X",
        help="characters per token when sizing the haystack; evalkit.suite.needle.calibrate "
        "fits it to an endpoint's tokenizer (default 4.0)",
    )
    window = p.add_mutually_exclusive_group()
    window.add_argument(
        "--context-window",
        type=int,
        metavar="N",
        help="top of the default length grid (default 32000)",
    )
    window.add_argument(
        "--target",
        metavar="NAME",
        help="take the top of the default length grid from this target's context_window "
        "(in evalkit.toml, or the file --config names)",
    )
    p.add_argument(
        "--out", default="-", metavar="FILE", help="JSONL file to write ('-': standard output)"
    )


def _context_window(args: argparse.Namespace) -> int | None:
    """``--context-window``, or the ``context_window`` of ``--target`` in the config."""
    if args.target is None:
        return args.context_window  # type: ignore[no-any-return]
    from evalkit.config import load_config
    from evalkit.suite.needle import DEFAULT_MAX_LENGTH

    window = load_config(args.config).target(args.target).context_window
    if window is None:
        print(
            f"evalkit gen needle: target {args.target!r} has no context_window; "
            f"the default grid stops at {DEFAULT_MAX_LENGTH}",
            file=sys.stderr,
        )
    return window


def cmd_gen(args: argparse.Namespace) -> int:
    """Write the generated suite; 0 on success, 2 on bad input."""
    from evalkit.suite.needle import needle_samples, parse_options

    options: dict[str, Any] = {
        option: getattr(args, dest)
        for dest, option in _OPTIONS.items()
        if getattr(args, dest) is not None
    }
    window = _context_window(args)
    try:
        samples = needle_samples(parse_options(options, window))
    except ValueError as exc:
        print(f"evalkit gen needle: {exc}", file=sys.stderr)
        return 2
    lines = "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in samples)
    if args.out == "-":
        sys.stdout.write(lines)
    else:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(lines, "utf-8")
        print(f"wrote {len(samples)} samples to {out}", file=sys.stderr)
    return 0


__all__ = ["add_gen_parser", "cmd_gen"]

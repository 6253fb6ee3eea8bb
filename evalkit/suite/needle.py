"""The needle-in-a-haystack generator: a seeded grid of context length x depth.

Each sample hides one RULER-style sentence ("One of the special magic
numbers for {key} is: {value}.") at a sentence boundary at or before a depth
of the haystack, and asks for the value. Lengths are in tokens, estimated
without a tokenizer as characters / ``chars_per_token``; ``calibrate`` fits
that ratio to the ``usage.prompt_tokens`` an endpoint reports, so that a
second generation lands on the lengths asked for.

Every random choice comes from a generator seeded by (seed, length, depth,
index), so a sample does not change when other cells are added to the grid.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.suite import haystack
from evalkit.suite.generators import GenContext, generator

DEFAULT_CHARS_PER_TOKEN = 4.0
DEFAULT_RESERVE_TOKENS = 200
DEFAULT_MAX_LENGTH = 32_000
MIN_LENGTH = 1_000
FIT_MIN_SPAN = 2.0  # calibrate fits a slope only over estimates spanning this factor
VALUE_KINDS = ("number", "uuid", "word")
DEPTH_SPACINGS = ("linear", "sigmoid")
DEFAULT_PARAMS: dict[str, Any] = {"temperature": 0, "max_tokens": 64}
OPTIONS = (
    "lengths",
    "depths",
    "n_depths",
    "depth_spacing",
    "needles_per_cell",
    "seed",
    "value_kind",
    "haystack",
    "reserve_tokens",
    "chars_per_token",
    "params",
)

_SIGMOID_SPAN = 4.0  # logistic over [-4, 4]: ends at ~1.8 % / 98.2 % before rescaling

_ADJECTIVES = (
    "amber", "brisk", "calm", "dusky", "eager", "faint", "gentle", "hollow", "icy", "jolly",
    "keen", "lofty", "mellow", "nimble", "olive", "placid", "quiet", "rustic", "silver", "tidy",
    "upbeat", "vivid", "wary", "young", "zesty", "bold", "crisp", "dapper", "fuzzy", "grand",
)  # fmt: skip
_NOUNS = (
    "otter", "falcon", "lantern", "meadow", "comet", "pebble", "harbor", "willow", "badger",
    "teapot", "glacier", "cactus", "violin", "compass", "puffin", "thimble", "walrus", "saffron",
    "kettle", "orchid", "beacon", "quartz", "gazelle", "marmot", "nectar", "parsnip", "sparrow",
    "tundra", "zephyr", "mosaic",
)  # fmt: skip
# No value word occurs inside the built-in text, so that a reply holding it
# can only come from the needle.
_VALUE_WORDS = (
    "abacus", "bramble", "cobalt", "dynamo", "cinder", "fjord", "gondola", "hazelnut", "igloo",
    "jasmine", "kumquat", "lagoon", "mistral", "nutmeg", "obsidian", "pagoda", "quiver", "rhubarb",
    "sequoia", "trellis", "umbrella", "velvet", "wombat", "xylophone", "yodel", "zircon", "anvil",
    "biscuit", "canyon", "dolphin", "easel", "flannel", "garnet", "hammock", "ironwood", "juniper",
    "kayak", "lilac", "mango", "nebula", "oyster", "pelican", "quokka", "raven", "satchel",
    "tangerine", "urchin", "vortex", "waffle", "yarrow",
)  # fmt: skip

_TEMPLATE = (
    "The text below is long. Somewhere inside it is a sentence that gives a special magic "
    "{noun}. Read the whole text carefully, then answer the question that follows it.\n\n"
    "<text>\n{haystack}\n</text>\n\n"
    "Question: What is the special magic {noun} for {key}? Reply with the {noun} only."
)


@dataclass(frozen=True)
class NeedleConfig:
    """A validated needle grid: what to generate, independent of where the text comes from."""

    lengths: tuple[int, ...]
    depths: tuple[float, ...]
    needles_per_cell: int = 1
    seed: int = 0
    value_kind: str = "number"
    reserve_tokens: int = DEFAULT_RESERVE_TOKENS
    chars_per_token: float = DEFAULT_CHARS_PER_TOKEN
    haystack: str = haystack.BUILTIN
    params: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMS))


def default_lengths(context_window: int | None) -> list[int]:
    """A log-spaced grid 1k, 2k, 4k, ... up to and including the window (32k if unknown)."""
    top = context_window or DEFAULT_MAX_LENGTH
    out: list[int] = []
    n = MIN_LENGTH
    while n < top:
        out.append(n)
        n *= 2
    out.append(top)
    return out


def depth_grid(n: int, spacing: str = "linear") -> list[float]:
    """``n`` depths in percent from 0 to 100; ``sigmoid`` puts more of them near the ends."""
    if n < 1:
        raise ValueError("n_depths must be at least 1")
    if spacing not in DEPTH_SPACINGS:
        raise ValueError(f"depth_spacing must be one of {list(DEPTH_SPACINGS)}, not {spacing!r}")
    if n == 1:
        return [50.0]
    xs = [i / (n - 1) for i in range(n)]
    if spacing == "sigmoid":
        lo, hi = _logistic(-_SIGMOID_SPAN), _logistic(_SIGMOID_SPAN)
        xs = [(_logistic(_SIGMOID_SPAN * (2 * x - 1)) - lo) / (hi - lo) for x in xs]
    return [round(100 * x, 1) for x in xs]


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _int(options: dict[str, Any], name: str, default: int, minimum: int) -> int:
    value = options.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return value


def _number(value: Any, name: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"{name} must be a number, not {value!r}")
    return float(value)


def parse_options(options: dict[str, Any], context_window: int | None = None) -> NeedleConfig:
    """Validate generator options (manifest ``[generator]`` keys) into a ``NeedleConfig``."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown needle option(s) {unknown}; known: {list(OPTIONS)}")
    reserve = _int(options, "reserve_tokens", DEFAULT_RESERVE_TOKENS, 0)
    raw_lengths = options.get("lengths", default_lengths(context_window))
    if not isinstance(raw_lengths, list) or not raw_lengths:
        raise ValueError("lengths must be a non-empty list of token counts")
    lengths: list[int] = []
    for n in raw_lengths:
        if not isinstance(n, int) or isinstance(n, bool) or n <= reserve + 100:
            raise ValueError(
                f"lengths: {n!r} must be an integer above reserve_tokens + 100 ({reserve + 100})"
            )
        lengths.append(n)
    if "depths" in options and "n_depths" in options:
        raise ValueError("give either depths or n_depths, not both")
    if "depths" in options:
        raw_depths = options["depths"]
        if not isinstance(raw_depths, list) or not raw_depths:
            raise ValueError("depths must be a non-empty list of percents")
        depths = [_number(d, "depths") for d in raw_depths]
        if any(not 0 <= d <= 100 for d in depths):
            raise ValueError(f"depths must lie in [0, 100], not {raw_depths!r}")
    else:
        depths = depth_grid(
            _int(options, "n_depths", 5, 1), str(options.get("depth_spacing", "linear"))
        )
    value_kind = options.get("value_kind", "number")
    if value_kind not in VALUE_KINDS:
        raise ValueError(f"value_kind must be one of {list(VALUE_KINDS)}, not {value_kind!r}")
    cpt = _number(options.get("chars_per_token", DEFAULT_CHARS_PER_TOKEN), "chars_per_token")
    if cpt <= 0:
        raise ValueError("chars_per_token must be positive")
    source = options.get("haystack", haystack.BUILTIN)
    if not isinstance(source, str) or not source:
        raise ValueError("haystack must be 'builtin' or a path to a text file")
    params = options.get("params", DEFAULT_PARAMS)
    if not isinstance(params, dict):
        raise ValueError("params must be a table of request parameters")
    return NeedleConfig(
        lengths=tuple(dict.fromkeys(lengths)),
        depths=tuple(dict.fromkeys(depths)),
        needles_per_cell=_int(options, "needles_per_cell", 1, 1),
        seed=_int(options, "seed", 0, 0),
        value_kind=value_kind,
        reserve_tokens=reserve,
        chars_per_token=cpt,
        haystack=source,
        params=dict(params),
    )


def _value(kind: str, rng: random.Random) -> str:
    if kind == "number":
        return str(rng.randint(1_000_000, 9_999_999))
    if kind == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return rng.choice(_VALUE_WORDS)


def _one(
    cfg: NeedleConfig, sentences: list[str], length: int, depth: float, index: int
) -> dict[str, Any]:
    rng = random.Random(f"needle:{cfg.seed}:{length}:{depth:g}:{index}")
    key = f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}"
    value = _value(cfg.value_kind, rng)
    noun = cfg.value_kind
    needle = f"One of the special magic {noun}s for {key} is: {value}."
    scaffold = len(_TEMPLATE.format(noun=noun, haystack="", key=key))
    budget = math.floor((length - cfg.reserve_tokens) * cfg.chars_per_token)
    room = budget - scaffold - len(needle) - 1
    if room < 0:
        raise ValueError(f"length {length} leaves no room for a haystack")
    filler = haystack.fill(sentences, room, rng)
    at = haystack.boundary_index(filler, depth)
    before = haystack.joined_length(filler[:at])
    total = haystack.joined_length(filler)
    text = " ".join([*filler[:at], needle, *filler[at:]])
    prompt = _TEMPLATE.format(noun=noun, haystack=text, key=key)
    cell = f"len={length},depth={depth:g}"
    return {
        "id": f"needle-{length}-{depth:g}-{index}",
        "prompt": prompt,
        "expected": [value],
        "grader": {"type": "needle", "mode": "all"},
        "params": dict(cfg.params),
        "tags": ["needle", f"len={length}"],
        "cluster": cell,
        "metadata": {
            "context_length": length,
            "depth": depth,
            "actual_depth": round(100.0 * before / total, 2) if total else 0.0,
            "key": key,
            "value_kind": cfg.value_kind,
            "estimated_prompt_tokens": math.ceil(len(prompt) / cfg.chars_per_token),
            "chars_per_token": cfg.chars_per_token,
            "haystack_chars": total,
            "seed": cfg.seed,
        },
    }


def make_samples(cfg: NeedleConfig, text: str) -> list[dict[str, Any]]:
    """Raw sample objects for every (length, depth, needle) of the grid, in that order."""
    sentences = haystack.split_sentences(text)
    return [
        _one(cfg, sentences, length, depth, i)
        for length in cfg.lengths
        for depth in cfg.depths
        for i in range(cfg.needles_per_cell)
    ]


@generator("needle")
def needle_generator(options: dict[str, Any], ctx: GenContext) -> list[dict[str, Any]]:
    """The ``[generator] type = "needle"`` entry: options from the manifest, text from the suite."""
    cfg = parse_options(options, ctx.context_window)
    return make_samples(cfg, haystack.load_text(cfg.haystack, ctx.base_dir))


def calibrate(
    samples_estimates: list[int],
    reported: list[int],
    *,
    chars_per_token: float = DEFAULT_CHARS_PER_TOKEN,
) -> float:
    """A corrected chars_per_token from estimated vs reported prompt tokens.

    ``samples_estimates`` are the samples' ``estimated_prompt_tokens`` (made
    with ``chars_per_token``); ``reported`` the endpoint's
    ``usage.prompt_tokens`` for the same samples.

    When the estimates span a wide range (the largest at least
    ``FIT_MIN_SPAN`` = 2 times the smallest, so at least two context lengths
    an octave apart) the fit is reported = slope * estimated + overhead (the
    chat template adds a roughly constant number of tokens) and the result is
    ``chars_per_token / slope``. Otherwise (one context length, or lengths too
    close together) a slope over nearly equal estimates is mostly noise, so
    the result is the plain ratio
    ``chars_per_token * sum(samples_estimates) / sum(reported)``; the same
    ratio stands in for a fitted slope that is not positive.
    """
    if len(samples_estimates) != len(reported):
        raise ValueError("samples_estimates and reported must have the same length")
    if not samples_estimates:
        raise ValueError("calibrate needs at least one (estimate, reported) pair")
    if any(v <= 0 for v in (*samples_estimates, *reported)):
        raise ValueError("token counts must be positive")
    if chars_per_token <= 0:
        raise ValueError("chars_per_token must be positive")
    ratio = chars_per_token * sum(samples_estimates) / sum(reported)
    if max(samples_estimates) < FIT_MIN_SPAN * min(samples_estimates):
        return ratio
    n = len(reported)
    mean_e = sum(samples_estimates) / n
    mean_r = sum(reported) / n
    pairs = zip(samples_estimates, reported, strict=True)
    cov = sum((e - mean_e) * (r - mean_r) for e, r in pairs)
    slope = cov / sum((e - mean_e) ** 2 for e in samples_estimates)
    return chars_per_token / slope if slope > 0 else ratio


def needle_samples(cfg: NeedleConfig) -> list[dict[str, Any]]:
    """The grid's samples, the haystack being the built-in text or the file ``cfg.haystack``.

    A file path is taken as given (relative to the current folder);
    ``ValueError`` says what is wrong with the file.
    """
    if cfg.haystack == haystack.BUILTIN:
        text = haystack.load_text(haystack.BUILTIN, Path.cwd())
    else:
        text = haystack.read_text_file(Path(cfg.haystack), cfg.haystack)
    return make_samples(cfg, text)


__all__ = [
    "DEFAULT_CHARS_PER_TOKEN",
    "DEFAULT_RESERVE_TOKENS",
    "DEPTH_SPACINGS",
    "FIT_MIN_SPAN",
    "OPTIONS",
    "VALUE_KINDS",
    "NeedleConfig",
    "calibrate",
    "default_lengths",
    "depth_grid",
    "make_samples",
    "needle_generator",
    "needle_samples",
    "parse_options",
]

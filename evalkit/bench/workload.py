"""What a benchmark sends: the samples of suites, or synthetic prompts of set token lengths.

Synthetic prompts are made of three-letter words (one token each by the
client's estimate of four characters per token, and by the simulator's
tokenizer), each prompt opening with its own number so that no two share a
prefix an endpoint could cache. Their lengths are drawn uniformly from
``tokens × [1 − spread, 1 + spread]`` with a seeded RNG. Each asks for its
output length with ``max_tokens`` and, unless ``exact`` is off, also
``min_tokens`` and ``ignore_eos`` (vLLM's and the simulator's extensions)
so that it gets exactly that many tokens; the measured lengths come from the
endpoint's usage and are what the figures use.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.suite.loader import Suite
from evalkit.suite.schema import Sample

SYNTHETIC = "synthetic"
"""The suite name of synthetic prompts."""

EXACT_FIELDS = ("min_tokens", "ignore_eos")
"""The request fields that ask for exactly ``max_tokens`` output tokens."""

_WORD_TEXT = (
    "the and for are but not you all any can her was one our out day get has him his how man new "
    "now old see two way who boy did its let put say she too use act add age ago air arm art ask "
    "bad bag bed big box bus buy car cat cup cut dog dry ear eat egg end eye far fat few fit fly "
    "fun gas god gun hat hot ice job key kid lay law leg lie lot low map mix net oil pay pen per "
    "pie pot raw red row run sea set sit six sky son sun tax tea ten tie top toy try van war wet "
    "win yes yet zoo"
)
_WORDS = _WORD_TEXT.split()


@dataclass(frozen=True, slots=True)
class Workload:
    """Samples to send, in order, and the suites they come from (what the run folder keeps)."""

    samples: list[tuple[str, Sample]]
    """(suite name, sample) in sending order."""
    suites: list[Suite]
    synthetic: dict[str, Any] | None = None
    """The synthetic workload's settings (None for suites)."""

    def take(self, start: int, n: int) -> list[tuple[str, Sample]]:
        """``n`` samples from position ``start``, cycling when the workload is shorter."""
        pool = self.samples
        return [pool[(start + i) % len(pool)] for i in range(n)]


def _length(rng: random.Random, tokens: int, spread: float) -> int:
    if spread <= 0:
        return tokens
    return max(1, round(tokens * rng.uniform(1.0 - spread, 1.0 + spread)))


def synthetic_prompt(number: int, tokens: int, rng: random.Random) -> str:
    """A prompt of about ``tokens`` tokens that starts with its own ``number``."""
    head = f"Request {number}: write on"
    words = max(1, tokens - 12)  # the head ~5, the message and the reply priming 7
    return head + "".join(" " + rng.choice(_WORDS) for _ in range(words)) + "."


def synthetic_workload(
    n: int,
    *,
    input_tokens: int,
    output_tokens: int,
    spread: float = 0.0,
    seed: int = 0,
    exact: bool = True,
) -> Workload:
    """``n`` synthetic samples (ids ``syn-00000``...), reproducible for a seed."""
    if input_tokens < 1 or output_tokens < 1:
        raise ValueError("token lengths must be at least 1")
    if not 0 <= spread < 1:
        raise ValueError(f"spread must be in [0, 1), got {spread}")
    samples = []
    for i in range(n):
        rng = random.Random(f"synthetic:{seed}:{i}")  # sample i is the same whatever n is
        out = _length(rng, output_tokens, spread)
        params: dict[str, Any] = {"max_tokens": out}
        if exact:
            params.update(min_tokens=out, ignore_eos=True)
        text = synthetic_prompt(i, _length(rng, input_tokens, spread), rng)
        sample = Sample(id=f"syn-{i:05d}", prompt=text, params=params, tags=["synthetic"])
        samples.append((SYNTHETIC, sample))
    settings = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "spread": spread,
        "seed": seed,
        "exact": exact,
        "n": n,
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    suite = Suite(
        name=SYNTHETIC,
        path=f"({SYNTHETIC})",
        kind="chat",
        samples=[s for _, s in samples],
        sha256=digest,
        description="synthetic prompts of set token lengths",
    )
    return Workload(samples, [suite], settings)


def suite_workload(suites: Sequence[Suite]) -> Workload:
    """The samples of ``suites``, interleaved suite by suite so that every level mixes them."""
    columns = [[(s.name, sample) for sample in s.samples] for s in suites]
    mixed = [x for row in itertools.zip_longest(*columns) for x in row if x is not None]
    if not mixed:
        raise ValueError("the suites hold no samples")
    return Workload(mixed, list(suites))


def without_exact(sample: Sample) -> Sample:
    """``sample`` asking for at most, not exactly, its ``max_tokens`` (some endpoints refuse)."""
    params = {k: v for k, v in sample.params.items() if k not in EXACT_FIELDS}
    return sample.model_copy(update={"params": params})


__all__ = [
    "EXACT_FIELDS",
    "SYNTHETIC",
    "Workload",
    "suite_workload",
    "synthetic_prompt",
    "synthetic_workload",
    "without_exact",
]

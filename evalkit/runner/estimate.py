"""What requests will cost before they are sent: per request, and per target x suite.

``evalkit run --dry-run`` prints the per target x suite totals; ``--max-cost``
(``budget.py``) reserves a request's estimate before sending it. The rules:

- prompt tokens: the client's estimate for the messages (``client/tokens.py``:
  about 4 characters a token, a flat cost per image, per-message overhead),
  plus the compact JSON of ``tools`` and ``response_format`` when sent;
- output tokens: the request's ``max_tokens`` (or ``max_completion_tokens``)
  as it would be sent (the sample's, else the target's ``params``, clamped to
  the target's ``max_output_tokens``); without one, the target's
  ``max_output_tokens``; without either, ``DEFAULT_OUTPUT_TOKENS``. That is a
  ceiling (a model may stop sooner), so a cost estimate errs on the high side
  for the output and is as good as the 4-characters rule for the prompt;
- cost: the target's ``price_input_per_mtok`` and ``price_output_per_mtok``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from evalkit.client import ChatClient, estimate_prompt_tokens, estimate_tokens
from evalkit.config import TargetConfig
from evalkit.runner.plan import WorkItem
from evalkit.suite.schema import Sample

DEFAULT_OUTPUT_TOKENS = 1024
"""Output tokens assumed for a request that sets no ``max_tokens`` to a target with no cap."""


@dataclass(frozen=True)
class RequestEstimate:
    """One request's estimated tokens and cost (output tokens: the most it may use)."""

    prompt_tokens: int
    output_tokens: int
    cost_usd: float


@dataclass
class EstimateRow:
    """What a run would send to one target for one suite."""

    target: str
    suite: str
    requests: int = 0
    prompt_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    priced: bool = True  # False when the target has no prices: its cost is unknown, not 0


def _output_tokens(body: dict[str, Any], target: TargetConfig) -> int:
    for key in ("max_tokens", "max_completion_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return target.max_output_tokens or DEFAULT_OUTPUT_TOKENS


def estimate_body(body: dict[str, Any], target: TargetConfig) -> RequestEstimate:
    """The estimate for a request body as the client builds it (see the module docstring)."""
    prompt = estimate_prompt_tokens(body.get("messages") or [])
    for key in ("tools", "response_format"):
        if body.get(key) is not None:
            prompt += estimate_tokens(json.dumps(body[key], separators=(",", ":")))
    output = _output_tokens(body, target)
    return RequestEstimate(prompt, output, target.cost_usd(prompt, output))


def estimate_request(sample: Sample, target: TargetConfig) -> RequestEstimate:
    """The estimate for sending ``sample`` to ``target``."""
    return estimate_body(ChatClient(target).build_body(sample), target)


def estimate_items(targets: Iterable[TargetConfig], items: Iterable[WorkItem]) -> list[EstimateRow]:
    """Requests, tokens and cost per target x suite for ``items`` (in plan order)."""
    by_name = {t.name: t for t in targets}
    clients = {name: ChatClient(t) for name, t in by_name.items()}
    rows: dict[tuple[str, str], EstimateRow] = {}
    for item in items:
        target = by_name[item.target]
        row = rows.get((item.target, item.suite))
        if row is None:
            priced = bool(target.price_input_per_mtok or target.price_output_per_mtok)
            row = rows[(item.target, item.suite)] = EstimateRow(
                item.target, item.suite, priced=priced
            )
        est = estimate_body(clients[item.target].build_body(item.sample), target)
        row.requests += 1
        row.prompt_tokens += est.prompt_tokens
        row.output_tokens += est.output_tokens
        row.cost_usd += est.cost_usd
    return list(rows.values())


__all__ = [
    "DEFAULT_OUTPUT_TOKENS",
    "EstimateRow",
    "RequestEstimate",
    "estimate_body",
    "estimate_items",
    "estimate_request",
]

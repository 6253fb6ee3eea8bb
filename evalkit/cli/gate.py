"""The gate threshold flags, and the config they are laid over.

The flags default to "absent" (argparse.SUPPRESS) so that evalkit.toml's
``[gate]`` stands unless a flag is given; ``off`` turns a check off.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.config import Config

_GATE_FLAGS = (
    "max_accuracy_drop",
    "require_significant",
    "max_latency_rise",
    "latency_floor_s",
    "max_cost_rise",
    "max_error_rate",
)


def _rise(text: str) -> float | None:
    if text.lower() in ("off", "false", "none"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'off', got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _seconds(text: str) -> float:
    value = _rise(text)
    if value is None:
        raise argparse.ArgumentTypeError("expected a number of seconds (0 for no floor)")
    return value


def add_gate_flags(p: argparse.ArgumentParser) -> None:
    """Add the gate thresholds to a subcommand that gates (run, report, compare)."""
    g = p.add_argument_group("gate thresholds (override [gate] in evalkit.toml)")
    off = argparse.SUPPRESS  # absent unless given, so evalkit.toml's value stands
    g.add_argument(
        "--max-accuracy-drop",
        type=_rise,
        default=off,
        metavar="X",
        help="largest allowed absolute accuracy drop per target x suite, e.g. 0.02",
    )
    g.add_argument(
        "--require-significant",
        action=argparse.BooleanOptionalAction,
        default=off,
        help="a drop must also be statistically significant (paired 95%% CI)",
    )
    g.add_argument(
        "--max-latency-rise",
        "--max-p90-latency-rise",  # its name before the gate compared samples pair by pair
        dest="max_latency_rise",
        type=_rise,
        default=off,
        metavar="X",
        help="largest allowed relative rise of the typical request's end-to-end latency "
        "(paired, 95%% sure), e.g. 0.25, or 'off'",
    )
    g.add_argument(
        "--latency-floor-s",
        type=_seconds,
        default=off,
        metavar="S",
        help="a typical latency rise smaller than this many seconds never fails, e.g. 0.05",
    )
    g.add_argument(
        "--max-cost-rise",
        type=_rise,
        default=off,
        metavar="X",
        help="largest allowed relative rise of cost per sample, e.g. 0.1, or 'off'",
    )
    g.add_argument(
        "--max-error-rate",
        type=_rise,
        default=off,
        metavar="X",
        help="largest share of a target x suite's items that may end in error, e.g. 0.05, "
        "or 'off' (a target with no answer at all fails regardless)",
    )


def config_for(args: argparse.Namespace) -> Config:
    """evalkit.toml (``--config``, else ./evalkit.toml) with any gate flags laid over [gate]."""
    from pydantic import ValidationError

    from evalkit.config import GateConfig, load_config
    from evalkit.errors import ConfigError

    config = load_config(args.config)
    # Present means given (the default is SUPPRESS), and None means 'off'.
    given = {k: getattr(args, k) for k in _GATE_FLAGS if hasattr(args, k)}
    if not given:
        return config
    try:
        gate = GateConfig.model_validate({**config.gate.model_dump(), **given})
    except ValidationError as exc:
        raise ConfigError(f"gate flags: {exc.errors()[0]['msg']}") from None
    return config.model_copy(update={"gate": gate})


__all__ = ["add_gate_flags", "config_for"]

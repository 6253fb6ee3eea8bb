"""The gate threshold flags, and the config they are laid over.

The flags default to "absent" (argparse.SUPPRESS) so that evalkit.toml's
``[gate]`` stands unless a flag is given; ``off`` turns a check off.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.config import Config

_GATE_FLAGS = ("max_accuracy_drop", "require_significant", "max_p90_latency_rise", "max_cost_rise")


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
        "--max-p90-latency-rise",
        type=_rise,
        default=off,
        metavar="X",
        help="largest allowed relative rise of p90 end-to-end latency, e.g. 0.25, or 'off'",
    )
    g.add_argument(
        "--max-cost-rise",
        type=_rise,
        default=off,
        metavar="X",
        help="largest allowed relative rise of cost per sample, e.g. 0.1, or 'off'",
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

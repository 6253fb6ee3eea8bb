"""What every subcommand's help shares: the subparsers type and the examples epilog."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    # What add_subparsers returns; argparse names the class privately.
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

HELP_FORMAT = argparse.RawDescriptionHelpFormatter
"""Keeps the examples' line breaks."""


def examples(*lines: str) -> str:
    """An epilog listing example command lines, one per line."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


__all__ = ["HELP_FORMAT", "examples"]

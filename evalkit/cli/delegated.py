"""Subcommands whose flags live beside the code that reads them (sim, gen)."""

from __future__ import annotations

import argparse


def sim_main(argv: list[str], config: str | None = None) -> int:
    """``evalkit sim``: serve the simulated endpoint until interrupted (no config file applies)."""
    from evalkit.sim import add_sim_arguments, run_sim_command

    parser = argparse.ArgumentParser(
        prog="evalkit sim", description="Serve the simulated endpoint."
    )
    add_sim_arguments(parser)
    return run_sim_command(parser.parse_args(argv))


def gen_main(argv: list[str], config: str | None = None) -> int:
    """``evalkit gen needle``: write a generated suite as JSONL."""
    from evalkit.suite.needle import add_gen_needle_arguments, gen_needle_command

    parser = argparse.ArgumentParser(prog="evalkit gen", description="Generate suites.")
    sub = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    needle = sub.add_parser("needle", help="long-context needle-in-a-haystack grid")
    add_gen_needle_arguments(needle)

    def window_of(target: str, path: str | None) -> int | None:
        # The suite layer cannot read evalkit.toml; the CLI looks the window up for it.
        from evalkit.config import load_config

        return load_config(path or config).target(target).context_window

    return gen_needle_command(parser.parse_args(argv), window_of)


__all__ = ["gen_main", "sim_main"]

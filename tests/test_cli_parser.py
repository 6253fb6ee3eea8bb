"""The ``evalkit`` parser: global flags on either side of the subcommand, help everywhere."""

from __future__ import annotations

import argparse

import pytest

from evalkit.cli import main
from evalkit.cli.parser import build_parser

# Each subcommand (with its action), and the arguments it needs to parse.
COMMANDS = [
    ["run"],
    ["report", "R"],
    ["compare", "A", "B"],
    ["grade", "R"],
    ["merge", "A", "B", "--into", "M"],
    ["suites", "validate"],
    ["suites", "list"],
    ["gen", "needle"],
]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every subcommand's parser by its full name ('gen needle'), walking down."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {k}": v for k, v in _subparsers(sub).items()})
    return found


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_config_before_or_after_the_subcommand(command: list[str]) -> None:
    parser = build_parser()
    assert parser.parse_args(command).config is None
    assert parser.parse_args(["--config", "a.toml", *command]).config == "a.toml"
    assert parser.parse_args([*command, "--config", "b.toml"]).config == "b.toml"
    # Given twice, the later one wins, as with any repeated flag.
    assert parser.parse_args(["--config", "a.toml", *command, "--config", "b.toml"]).config == (
        "b.toml"
    )


def test_every_argument_has_help_and_every_command_examples() -> None:
    subs = _subparsers(build_parser())
    assert {"run", "report", "compare", "grade", "merge", "suites", "sim", "gen", "gen needle"} <= (
        set(subs)
    )
    for name, parser in subs.items():
        assert parser.epilog and parser.epilog.startswith("examples:\n"), name
        assert f"evalkit {name}" in parser.epilog, name
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)


@pytest.mark.parametrize("command", [["sim"], ["gen", "needle"], ["run"], ["suites", "list"]])
def test_subcommand_help_shows_examples(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: evalkit {' '.join(command)}" in out and "examples:" in out

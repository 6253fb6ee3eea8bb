"""``evalkit probe`` and ``evalkit targets``, and the flags that name a target by URL.

``--base-url URL --model NAME [--api-key-env VAR]`` (on ``run`` and
``probe``) stand for a target that evalkit.toml does not have; the flags
become an ``evalkit.lifecycle.Endpoint``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from evalkit.cli.help import HELP_FORMAT, examples
from evalkit.errors import ConfigError

if TYPE_CHECKING:
    from evalkit.cli.help import Subparsers
    from evalkit.lifecycle import Endpoint


def add_endpoint_flags(p: argparse.ArgumentParser) -> None:
    """``--base-url``, ``--model``, ``--api-key-env``: a target without evalkit.toml."""
    g = p.add_argument_group("a target by URL (instead of evalkit.toml)")
    g.add_argument(
        "--base-url",
        metavar="URL",
        help="an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 "
        "(named by --target NAME, else by its model)",
    )
    g.add_argument("--model", metavar="NAME", help="the model it serves (with --base-url)")
    g.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="environment variable holding its key (with --base-url; local servers need none)",
    )


def endpoint_of(args: argparse.Namespace) -> Endpoint | None:
    """The endpoint the flags name, or None; ConfigError for --model without --base-url."""
    from evalkit.lifecycle import Endpoint

    if args.base_url is None:
        given = [f for f in ("model", "api_key_env") if getattr(args, f) is not None]
        if given:
            flags = ", ".join("--" + f.replace("_", "-") for f in given)
            raise ConfigError(f"{flags} go(es) with --base-url URL")
        return None
    return Endpoint(args.base_url, args.model, args.api_key_env)


# A URL anywhere on the command line, alone or as ``--flag=URL`` (argparse
# takes abbreviated flags too, so the flag's name is no guide).
_URL = re.compile(r"(?P<flag>-[^=]*=)?(?P<url>[A-Za-z][A-Za-z0-9+.-]*://.*)", re.DOTALL)


def public_argv(argv: Sequence[str]) -> list[str]:
    """The command line fit to store in run.json: every URL in it with its credentials redacted."""
    from evalkit.secrets import redact_url

    shown = []
    for arg in argv:
        m = _URL.fullmatch(arg)
        shown.append(arg if m is None else (m["flag"] or "") + redact_url(m["url"]))
    return shown


def add_probe_parsers(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``evalkit probe`` and ``evalkit targets`` to the subcommands."""
    summary = "find what an endpoint supports (streaming, tools, JSON, images, limits)"
    p = sub.add_parser(
        "probe",
        parents=[common],
        help=summary,
        description=summary[0].upper() + summary[1:] + ". A few cheap requests; the "
        "findings are cached for a day and used by `evalkit run` to skip what the "
        "endpoint cannot take.",
        epilog=examples(
            "evalkit probe local",
            "evalkit probe mistral-small-3.1 --refresh",
            "evalkit probe --base-url http://127.0.0.1:11434/v1 --model llama3.2",
        ),
        formatter_class=HELP_FORMAT,
    )
    p.add_argument("target", nargs="?", metavar="TARGET", help="a target from evalkit.toml")
    p.add_argument("--refresh", action="store_true", help="ask again even if probed today")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    add_endpoint_flags(p)
    summary = "list the targets and what was last probed for each"
    sub.add_parser(
        "targets",
        parents=[common],
        help=summary,
        description=summary[0].upper() + summary[1:] + " (sends nothing).",
        epilog=examples("evalkit targets", "evalkit --config ci.toml targets"),
        formatter_class=HELP_FORMAT,
    )


def cmd_probe(args: argparse.Namespace) -> int:
    """Probe one target and print what it supports."""
    from evalkit.cli.gate import config_for
    from evalkit.errors import RequestError
    from evalkit.lifecycle import probe

    endpoint = endpoint_of(args)
    if endpoint is None and args.target is None:
        raise ConfigError("name a TARGET (see `evalkit targets`) or give --base-url and --model")
    try:
        caps = probe(
            args.target,
            endpoint=endpoint,
            config=config_for(args),
            refresh=args.refresh,
        )
    except RequestError as exc:
        print(f"error: the endpoint cannot be used: {exc.message}")
        return 2
    if args.json:
        print(json.dumps(caps.model_dump(), indent=2))
        return 0
    print(f"{caps.model} at {caps.endpoint} (probed {caps.probed_at})")
    for line in caps.lines():
        print(f"  {line}")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    """List every target, where it points, and its last probe."""
    from evalkit.cli.gate import config_for
    from evalkit.lifecycle import targets

    for status in targets(config_for(args)):
        t = status.target
        where = (
            "evalkit's simulator"
            if t.simulated
            else "llama-cpp-python server started for the run"
            if t.local
            else t.public_url
        )
        print(f"{t.name}: {t.model} ({where})")
        caps = status.capabilities
        if t.simulated:
            print("  not probed: the simulator supports every feature")
        elif caps is None:
            print(f"  never probed (evalkit probe {t.name})")
        else:
            age = "" if status.fresh else ", stale: probed again at its next run"
            print(f"  last probed {caps.probed_at}{age}")
            for line in caps.lines():
                print(f"    {line}")
    return 0


__all__ = ["add_endpoint_flags", "add_probe_parsers", "cmd_probe", "cmd_targets", "endpoint_of"]

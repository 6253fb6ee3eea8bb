"""``evalkit sim``: its flags, and serving the simulator until Ctrl-C.

The parser is built for every command line, so it imports nothing heavy:
flags whose default comes from the built-in ``sim`` target default to None
and are filled in when the command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from evalkit.cli.help import HELP_FORMAT, examples
from evalkit.errors import ConfigError, InputError

if TYPE_CHECKING:
    from evalkit.cli.help import Subparsers
    from evalkit.config import SimConfig
    from evalkit.sim import SimServer

# SimConfig field -> (flag, help); every flag defaults to None so SimConfig's defaults apply.
_FLAGS: dict[str, tuple[str, str]] = {
    "skill": ("--skill", "probability of a right answer, 0..1 (default 0.75)"),
    "seed": ("--seed", "seed of answers, latency jitter and faults (default 0)"),
    "ttft_s": ("--ttft", "base time to first token in seconds (default 0.02)"),
    "tokens_per_s": ("--tps", "output tokens per second; 0 sends all at once (default 400)"),
    "jitter": ("--jitter", "relative TTFT jitter, 0..1 (default 0.2)"),
    "rate_429": ("--rate-429", "fraction of requests answered 429"),
    "rate_503": ("--rate-503", "fraction of requests answered 503"),
    "rate_500": ("--rate-500", "fraction of requests answered 500"),
    "rate_reset": ("--rate-reset", "fraction of connections dropped before any response"),
    "rate_cut": ("--rate-cut", "fraction of responses cut half-way (no [DONE])"),
    "rate_malformed": ("--rate-malformed", "fraction of responses with a non-JSON chunk"),
    "rate_slow": ("--rate-slow", "fraction of responses whose first byte waits --slow s"),
    "retry_after_s": ("--retry-after", "Retry-After seconds sent with 429 (default 1)"),
    "slow_s": ("--slow", "delay of a slow response in seconds (default 2)"),
    "limit_rpm": ("--limit-rpm", "enforce this many requests a minute (429 + Retry-After beyond)"),
    "limit_tpm": ("--limit-tpm", "enforce this many tokens a minute (prompt + max_tokens)"),
    "limit_window_s": ("--limit-window", "seconds a quota is enforced over (default 1)"),
}
_INT_FIELDS = frozenset({"seed"})


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {port}")
    return port


def add_sim_parser(sub: Subparsers) -> None:
    """Add ``evalkit sim`` and its flags to the subcommands (no evalkit.toml applies)."""
    p = sub.add_parser(
        "sim",
        help="serve the simulated endpoint",
        description="Serve the simulated OpenAI-compatible endpoint until Ctrl-C. "
        "Its flags say how it behaves: no evalkit.toml applies.",
        epilog=examples(
            "evalkit sim --port 8000 --suite suites/chat",
            "evalkit sim --suite suites/tools --rate-429 0.1 --api-key-env SIM_KEY",
            "evalkit sim --suite suites/chat --limit-rpm 600 --limit-headers",
        ),
        formatter_class=HELP_FORMAT,
    )
    p.add_argument(
        "--host", default="127.0.0.1", metavar="ADDR", help="address to bind (default 127.0.0.1)"
    )
    p.add_argument(
        "--port", type=_port, default=8000, metavar="N", help="port (default 8000; 0: any)"
    )
    p.add_argument(
        "--suite",
        action="append",
        default=[],
        metavar="PATH",
        help="suite whose answer key to load (repeatable)",
    )
    p.add_argument(
        "--model", metavar="ID", help="model id served (default: the built-in sim target's)"
    )
    p.add_argument(
        "--api-key-env", metavar="VAR", help="require the API key held in this environment variable"
    )
    for name, (flag, text) in _FLAGS.items():
        kind, metavar = (int, "N") if name in _INT_FIELDS else (float, "X")
        p.add_argument(flag, dest=f"sim_{name}", type=kind, metavar=metavar, help=text)
    p.add_argument(
        "--no-usage", action="store_true", help="never send usage (clients must estimate)"
    )
    p.add_argument(
        "--limit-headers",
        action="store_true",
        help="announce the enforced quotas in x-ratelimit-* headers on every answer",
    )
    p.add_argument(
        "--context-window", type=int, metavar="N", help="context window in tokens (default 128000)"
    )
    p.add_argument(
        "--max-output-tokens",
        type=int,
        metavar="N",
        help="largest max_tokens accepted (default 4096)",
    )


def sim_config(args: argparse.Namespace) -> SimConfig:
    """The SimConfig the flags describe; ``ConfigError`` names a bad flag."""
    from pydantic import ValidationError

    from evalkit.config import SimConfig

    values: dict[str, Any] = {}
    for name in _FLAGS:
        value = getattr(args, f"sim_{name}", None)
        if value is not None:
            values[name] = value
    if args.no_usage:
        values["send_usage"] = False
    if args.limit_headers:
        values["limit_headers"] = True
    try:
        return SimConfig(**values)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            flag = _FLAGS.get(field, (field, ""))[0]
            lines.append(f"{flag}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None


def _api_key(env_name: str | None) -> str | None:
    if not env_name:
        return None
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(f"--api-key-env: environment variable {env_name} is not set")
    return value


def _given(value: int | None, default: int | None) -> int | None:
    return default if value is None else value


def cmd_sim(args: argparse.Namespace) -> int:
    """Serve the simulator the flags describe until Ctrl-C (no evalkit.toml applies)."""
    import asyncio

    from evalkit.config import builtin_sim
    from evalkit.sim import serve_forever

    try:
        config = sim_config(args)
        api_key = _api_key(args.api_key_env)
    except ConfigError as exc:
        print(f"evalkit sim: {exc}", file=sys.stderr)
        return 2
    sim = builtin_sim()

    def ready(server: SimServer) -> None:
        print(
            f"evalkit sim: serving {server.model} at {server.base_url} "
            f"({server.n_samples} prompts in the answer key); Ctrl-C to stop",
            flush=True,
        )

    try:
        asyncio.run(
            serve_forever(
                config,
                args.suite,
                host=args.host,
                port=args.port,
                model=sim.model if args.model is None else args.model,
                context_window=_given(args.context_window, sim.context_window),
                max_output_tokens=_given(args.max_output_tokens, sim.max_output_tokens),
                api_key=api_key,
                on_ready=ready,
            )
        )
    except KeyboardInterrupt:
        return 0
    except InputError as exc:
        print(f"evalkit sim: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"evalkit sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    return 0


__all__ = ["add_sim_parser", "cmd_sim", "sim_config"]

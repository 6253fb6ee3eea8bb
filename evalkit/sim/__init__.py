"""The simulated endpoint: an OpenAI-compatible server speaking the gateway's wire format.

It answers from suites' answer keys at a seeded skill, with a latency model
(time to first token, tokens per second) and fault injection (429, 500, 503,
dropped connections, cut streams, malformed chunks, slow responses). It is
the default target of ``evalkit run``, the test double of the test suite and
the peer of the benchmarks. It never imports the client: their agreement is
tested, not assumed.

Modules: ``app`` (routes and handlers), ``server`` (SimServer, serve_forever),
``answers`` / ``wrong`` (the answer key and plausible mistakes), ``reply``
(cutting output into token pieces), ``tokens`` (the simulator's tokenizer),
``wire`` (encoding), ``latency``, ``faults``, ``request``, ``stats``,
``process`` (``SimProcess``: the simulator in a child process, ``child``
being that process's entry point). The ``evalkit sim`` command and its flags
live in ``evalkit.cli.sim``.

The names below are imported on first use: ``evalkit.sim.process`` must not
pull aiohttp in, so that a command can start a simulator process before its
own heavy imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.sim.app import make_app
    from evalkit.sim.faults import FAULT_HEADER, FAULT_KINDS
    from evalkit.sim.process import SimProcess
    from evalkit.sim.server import SimServer, serve_forever
    from evalkit.sim.stats import SimRequestLog, SimStats

__all__ = [
    "FAULT_HEADER",
    "FAULT_KINDS",
    "SimProcess",
    "SimRequestLog",
    "SimServer",
    "SimStats",
    "make_app",
    "serve_forever",
]

_LAZY = {
    "FAULT_HEADER": "evalkit.sim.faults",
    "FAULT_KINDS": "evalkit.sim.faults",
    "SimProcess": "evalkit.sim.process",
    "SimRequestLog": "evalkit.sim.stats",
    "SimServer": "evalkit.sim.server",
    "SimStats": "evalkit.sim.stats",
    "make_app": "evalkit.sim.app",
    "serve_forever": "evalkit.sim.server",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evalkit.sim' has no attribute {name!r}")

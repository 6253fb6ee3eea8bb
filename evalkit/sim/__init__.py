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
``wire`` (encoding), ``latency``, ``faults``, ``request``, ``stats``. The
``evalkit sim`` command and its flags live in ``evalkit.cli.sim``.
"""

from evalkit.sim.app import make_app
from evalkit.sim.faults import FAULT_HEADER, FAULT_KINDS
from evalkit.sim.server import SimServer, serve_forever
from evalkit.sim.stats import SimRequestLog, SimStats

__all__ = [
    "FAULT_HEADER",
    "FAULT_KINDS",
    "SimRequestLog",
    "SimServer",
    "SimStats",
    "make_app",
    "serve_forever",
]

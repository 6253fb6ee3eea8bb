"""``evalkit probe`` and ``evalkit targets``: what an endpoint can do, and what was last found.

``probe`` opens a target as a run would (starting the ``local`` server when
that is the target), checks every feature, stores the findings in the probe
cache and returns them. ``targets`` lists every target the config knows with
what the cache holds for it, without sending anything.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

from evalkit.client.capabilities import FEATURES, Capabilities
from evalkit.config import Config, TargetConfig
from evalkit.errors import ConfigError
from evalkit.lifecycle.endpoints import Endpoint, check_local_targets, with_endpoint
from evalkit.lifecycle.inputs import ConfigLike, config_of
from evalkit.runner import probe_cache
from evalkit.runner.probe import is_fresh, probe_runtime
from evalkit.runner.targets import open_target


@dataclass(frozen=True)
class TargetStatus:
    """A target and what the probe cache holds for it (None: never probed)."""

    target: TargetConfig
    capabilities: Capabilities | None
    fresh: bool


def _resolve(config: Config, name: str | None, endpoint: Endpoint | None) -> TargetConfig:
    if endpoint is not None:
        config, names = with_endpoint(config, endpoint, [name] if name else [])
        name = names[0]
    if name is None:
        raise ValueError("name a target or an endpoint")
    target = config.target(name)
    check_local_targets(config, [name])
    return target


async def probe_async(
    name: str | None = None,
    *,
    endpoint: Endpoint | None = None,
    config: ConfigLike = None,
    refresh: bool = False,
) -> Capabilities:
    """Probe every feature of target ``name`` (or of ``endpoint``); cached for a day.

    ``refresh`` asks again even when the cache holds fresh findings. Raises
    the ``RequestError`` of an endpoint that cannot be used at all, and
    ``ConfigError`` for an unknown target.
    """
    target = _resolve(config_of(config), name, endpoint)
    if target.simulated:
        raise ConfigError(
            f"target {target.name!r} is evalkit's simulator, which supports every feature; "
            "there is nothing to probe"
        )
    async with contextlib.AsyncExitStack() as stack:
        rt = await open_target(stack, target, None)
        return await probe_runtime(rt, FEATURES, refresh=refresh)


def probe(
    name: str | None = None,
    *,
    endpoint: Endpoint | None = None,
    config: ConfigLike = None,
    refresh: bool = False,
) -> Capabilities:
    """``probe_async`` in an event loop of its own (for the command line and scripts)."""
    return asyncio.run(probe_async(name, endpoint=endpoint, config=config, refresh=refresh))


def targets(config: ConfigLike = None) -> list[TargetStatus]:
    """Every target the config knows (built-ins too), with its last probe if any."""
    cfg = config_of(config)
    now = datetime.now(UTC)
    out = []
    for name in sorted(cfg.target_names()):
        target = cfg.target(name)
        caps = None
        if not target.simulated:
            caps = probe_cache.load(probe_cache.endpoint_of(target), target.model)
        out.append(TargetStatus(target, caps, caps is not None and is_fresh(caps, now)))
    return out


__all__ = ["TargetStatus", "probe", "probe_async", "targets"]

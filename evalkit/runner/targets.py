"""Opening a target for requests: its client, limits and its simulator or local server.

The built-in simulator runs in a child process of its own (``SimProcess``),
started here and stopped with the run's exit stack. ``open_targets`` spawns
every simulated target's process before waiting for any, so that their
start-up overlaps. A ``local`` target's model server is started here too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.client import ChatClient
from evalkit.client.capabilities import Capabilities
from evalkit.config import Config, TargetConfig
from evalkit.graders.base import JudgeReply
from evalkit.runner.limits import Admission
from evalkit.runner.local_server import LocalServer
from evalkit.runner.retry import Failed, RetryPolicy, call_with_retries
from evalkit.sim.process import SimProcess


@dataclass
class TargetRuntime:
    """One target's client, limits and state during a run."""

    target: TargetConfig
    client: ChatClient
    admission: Admission
    retry: RetryPolicy
    aborted: str | None = None
    sim: SimProcess | None = None
    base_url: str = ""  # where requests go (the simulator's or local server's own URL)
    local: LocalServer | None = None  # the server evalkit started for a `local` target
    capabilities: Capabilities | None = None  # what the probe found (None: not probed)


def endpoint_process(target: TargetConfig, run_dir: Path | None) -> SimProcess | None:
    """The process evalkit serves ``target`` from, spawned now; None for a remote endpoint.

    ``run_dir``'s sample snapshot is the simulator's answer key (None: no samples).
    """
    if not target.simulated:
        return None
    sim = SimProcess(
        target.sim,
        run_dir=run_dir,
        model=target.model,
        context_window=target.context_window,
        max_output_tokens=target.max_output_tokens,
    )
    sim.spawn()
    return sim


async def open_target(
    stack: contextlib.AsyncExitStack,
    target: TargetConfig,
    run_dir: Path | None,
    *,
    process: SimProcess | None = None,
) -> TargetRuntime:
    """Start what ``target`` needs (closed with ``stack``) and return its runtime.

    ``process`` is the target's ``endpoint_process`` when already spawned
    (and already on ``stack``).
    """
    sim = process
    if sim is None:
        sim = endpoint_process(target, run_dir)
        if sim is not None:
            stack.push_async_exit(sim)
    base_url = None
    if sim is not None:
        await sim.ready()
        base_url = sim.base_url
    local = None
    if target.local is not None:
        local = await stack.enter_async_context(LocalServer(target))
        base_url = local.base_url
    client = await stack.enter_async_context(ChatClient(target, base_url=base_url))
    admission = Admission(target.rpm, target.tpm)
    url = base_url or target.base_url
    return TargetRuntime(
        target, client, admission, RetryPolicy(target), sim=sim, base_url=url, local=local
    )


async def open_targets(
    stack: contextlib.AsyncExitStack, targets: Sequence[TargetConfig], run_dir: Path | None
) -> dict[str, TargetRuntime]:
    """``open_target`` for each target, every endpoint process spawned before any is awaited."""
    processes = {}
    try:
        for target in targets:
            processes[target.name] = endpoint_process(target, run_dir)
    finally:
        for proc in processes.values():
            if proc is not None:
                stack.push_async_exit(proc)  # stopped even if another fails to spawn
    runtimes = {}
    for target in targets:
        proc = processes[target.name]
        runtimes[target.name] = await open_target(stack, target, run_dir, process=proc)
    return runtimes


class JudgePool:
    """The completion function LLM judges call: one lazily opened runtime per judge target."""

    def __init__(self, config: Config, stack: contextlib.AsyncExitStack) -> None:
        self.config = config
        self.stack = stack
        self._runtimes: dict[str, TargetRuntime] = {}
        self._lock = asyncio.Lock()

    async def complete(self, name: str, messages: list[dict[str, Any]]) -> JudgeReply:
        """Ask judge target ``name``; retried like any request, timed and priced."""
        async with self._lock:
            rt = self._runtimes.get(name)
            if rt is None:
                rt = await open_target(self.stack, self.config.target(name), None)
                self._runtimes[name] = rt
        body = {"model": rt.target.model, "messages": messages, "stream": False, "temperature": 0}
        outcome = await call_with_retries(lambda: rt.client.complete(body), rt.retry)
        if isinstance(outcome, Failed):
            raise outcome.error
        comp = outcome.value
        return JudgeReply(
            text=comp.text,
            model=rt.target.model,
            prompt_tokens=comp.prompt_tokens,
            completion_tokens=comp.completion_tokens,
            cost_usd=rt.target.cost_usd(comp.prompt_tokens, comp.completion_tokens),
            latency_s=comp.e2e_s,
        )


__all__ = ["JudgePool", "TargetRuntime", "endpoint_process", "open_target", "open_targets"]

"""Opening a target for requests: its client, limits and its simulator or local server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from evalkit.client import ChatClient
from evalkit.client.capabilities import Capabilities
from evalkit.config import Config, TargetConfig
from evalkit.graders.base import JudgeReply
from evalkit.runner.limits import Admission
from evalkit.runner.local_server import LocalServer
from evalkit.runner.retry import Failed, RetryPolicy, call_with_retries
from evalkit.sim.thread import SimThread
from evalkit.suite.schema import Sample


@dataclass
class TargetRuntime:
    """One target's client, limits and state during a run."""

    target: TargetConfig
    client: ChatClient
    admission: Admission
    retry: RetryPolicy
    aborted: str | None = None
    sim: SimThread | None = None
    base_url: str = ""  # where requests go (the simulator's or local server's own URL)
    local: LocalServer | None = None  # the server evalkit started for a `local` target
    capabilities: Capabilities | None = None  # what the probe found (None: not probed)


async def open_target(
    stack: contextlib.AsyncExitStack, target: TargetConfig, samples: Iterable[Sample]
) -> TargetRuntime:
    """Start what ``target`` needs (closed with ``stack``) and return its runtime."""
    sim = None
    base_url = None
    if target.simulated:
        sim = SimThread(
            target.sim,
            samples,
            model=target.model,
            context_window=target.context_window,
            max_output_tokens=target.max_output_tokens,
        )
        await stack.enter_async_context(sim)
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
                rt = await open_target(self.stack, self.config.target(name), ())
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


__all__ = ["JudgePool", "TargetRuntime", "open_target"]

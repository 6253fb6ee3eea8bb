"""The capability probe: a few cheap requests that find what an endpoint can do.

``probe_endpoint`` checks what a run's requests need (see
``evalkit.client.capabilities.needed_features``): streaming and whether a
stream carries usage, tool calls (auto, forced, parallel), ``json_object``,
``json_schema``, image input (a solid green image whose colour must come
back, so that an endpoint that drops images is caught), and the limits: the
context window and output cap from ``/models`` where the server states them,
else from a refusal (a ``max_tokens`` of a million, dropped after the first
event when accepted), else from the first overflow error of a run
(``learn_from_error``). The rate-limit headers of a plain request are kept.

Every request is retried like any other (the target's policy), and a
refusal is taken at its word: only a refusal or a silent drop makes a
feature unsupported; a request the endpoint takes and answers badly is the
model's business. A feature that fails streamed is tried once unstreamed:
the run then sends those items unstreamed instead of skipping them.
Results are cached for a day (``probe_cache``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from evalkit.client import ChatClient
from evalkit.client.capabilities import (
    Capabilities,
    Feature,
    Verdict,
    needed_features,
    plan_request,
)
from evalkit.client.discovery import list_models, post_chat
from evalkit.client.http_errors import context_window_in
from evalkit.config import TargetConfig
from evalkit.errors import ContextLengthError, RequestError
from evalkit.runfolder import utc_now
from evalkit.runner import probe_cache
from evalkit.runner.probe_checks import SCHEMA_FORMAT, Prober
from evalkit.runner.targets import TargetRuntime
from evalkit.suite.schema import Sample

TTL = timedelta(days=1)


def _fresh(verdict: Verdict | None, now: datetime) -> bool:
    if verdict is None:
        return False
    try:
        checked = datetime.fromisoformat(verdict.checked_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    return now - checked < TTL


def is_fresh(caps: Capabilities, now: datetime | None = None) -> bool:
    """Whether ``caps`` (its basics: models, limits, rate limits) is less than a day old."""
    now = now or datetime.now(UTC)
    probe = Verdict(supported=True, detail="", checked_at=caps.probed_at)
    return _fresh(probe, now)


async def probe_endpoint(
    target: TargetConfig,
    client: ChatClient,
    base_url: str,
    endpoint: str,
    features: Iterable[Feature],
    *,
    previous: Capabilities | None = None,
) -> Capabilities:
    """Probe ``features`` (and the basics) of ``target`` at ``base_url``; reuse fresh findings.

    ``endpoint`` names the endpoint in the cache and run.json; ``previous``
    is what an earlier probe found (its fresh verdicts are kept, nothing is
    asked again). Raises the ``RequestError`` of the basic request when the
    endpoint cannot be used at all (no key, unreachable, an unknown model).
    """
    now = datetime.now(UTC)
    wanted = set(features)
    if target.stream:
        wanted |= {"stream", "stream_usage"}
    prober = Prober(target, client, base_url)
    if previous is not None and previous.model == target.model and is_fresh(previous, now):
        caps = previous.model_copy(deep=True)
    else:
        models = await prober.retried(lambda: list_models(target, base_url))
        basic = prober.request("Say OK.", max_tokens=4) | {"stream": False}
        basic.pop("stream_options", None)
        rates = await prober.retried(lambda: post_chat(target, base_url, basic))
        caps = Capabilities(
            endpoint=endpoint,
            model=target.model,
            probed_at=utc_now(),
            models=models.ids,
            context_window=models.context_window,
            context_window_source="/models" if models.context_window else None,
            max_output_tokens=models.max_output_tokens,
            max_output_source="/models" if models.max_output_tokens else None,
            rate_limits={**models.rate_limits, **rates},
        )
        await prober.limits(caps)
    checks: dict[str, Callable[[], Awaitable[Verdict]]] = {
        "tools_auto": prober.tools_auto,
        "tools_forced": prober.tools_forced,
        "tools_parallel": prober.tools_parallel,
        "json_object": lambda: prober.json_mode({"type": "json_object"}),
        "json_schema": lambda: prober.json_mode(SCHEMA_FORMAT),
        "image_input": prober.image_input,
    }
    if "stream" in wanted and not _fresh(caps.verdicts.get("stream"), now):
        caps.verdicts["stream"], caps.verdicts["stream_usage"] = await prober.stream()
    for feature, check in checks.items():
        if feature in wanted and not _fresh(caps.verdicts.get(feature), now):
            caps.verdicts[feature] = await check()
    return caps


def learn_from_error(caps: Capabilities, exc: RequestError) -> bool:
    """Take the context window from a run's overflow error; True if ``caps`` learnt it."""
    if caps.context_window or not isinstance(exc, ContextLengthError):
        return False
    window = context_window_in(exc.message)
    if window is None:
        return False
    caps.context_window, caps.context_window_source = window, "an overflow error"
    return True


def features_of(bodies: Iterable[dict[str, Any]]) -> set[Feature]:
    """Every feature some request body of ``bodies`` needs."""
    features: set[Feature] = set()
    for body in bodies:
        features |= needed_features(body)
    return features


async def probe_runtime(
    rt: TargetRuntime, features: Iterable[Feature], *, refresh: bool = False
) -> Capabilities:
    """Probe an open target for ``features`` (and the basics), through the day-long cache.

    ``refresh`` ignores what the cache holds. Raises the ``RequestError`` of
    a target that cannot be used at all.
    """
    endpoint = probe_cache.endpoint_of(rt.target)
    previous = None if refresh else probe_cache.load(endpoint, rt.target.model)
    caps = await probe_endpoint(
        rt.target, rt.client, rt.base_url, endpoint, features, previous=previous
    )
    probe_cache.save(caps)
    return with_config(caps, rt.target)


def with_config(caps: Capabilities, target: TargetConfig) -> Capabilities:
    """``caps`` with the limits ``target`` configures laid over what the probe found."""
    update: dict[str, Any] = {}
    if target.context_window:
        update |= {"context_window": target.context_window, "context_window_source": "config"}
    if target.max_output_tokens:
        update |= {"max_output_tokens": target.max_output_tokens, "max_output_source": "config"}
    return caps.model_copy(update=update) if update else caps


def remember_window(target: TargetConfig, caps: Capabilities) -> None:
    """Store a window learnt from an overflow error in the cache, for the next runs."""
    endpoint = probe_cache.endpoint_of(target)
    cached = probe_cache.load(endpoint, target.model)
    if cached is not None and not cached.context_window:
        learnt = {
            "context_window": caps.context_window,
            "context_window_source": "an overflow error",
        }
        probe_cache.save(cached.model_copy(update=learnt))


def request_for(rt: TargetRuntime, sample: Sample) -> tuple[dict[str, Any] | None, str | None]:
    """The body to send for ``sample`` at ``rt`` (None and why, when it is to be skipped)."""
    body = rt.client.build_body(sample)
    if rt.capabilities is None:
        return body, None
    return plan_request(rt.capabilities, body, clamp_output=rt.target.max_output_tokens is None)


__all__ = [
    "TTL",
    "features_of",
    "is_fresh",
    "learn_from_error",
    "probe_endpoint",
    "probe_runtime",
    "remember_window",
    "request_for",
    "with_config",
]

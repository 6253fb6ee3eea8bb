"""What an endpoint can do, as its probe found, and what each request needs of it.

``Capabilities`` is one probe's findings for one endpoint (base URL and
model): a ``Verdict`` per feature, the context window and output cap with
where each came from, and the rate-limit headers the endpoint sent. It is
stored in run.json (``probes``) and in the probe cache. ``needed_features``
reads a request body; ``plan_request`` decides, before sending, whether the
body goes as it is, goes without streaming (a feature that only works
unstreamed), goes with ``max_tokens`` clamped to the probed cap, or is not
sent at all (a skip, with the probe's reason).

Only a refusal or a silent drop makes a feature unsupported: an endpoint
that takes a request and answers it badly is the model's score, not a skip.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from evalkit.client.tokens import estimate_prompt_tokens

Feature = Literal[
    "stream",
    "stream_usage",
    "tools_auto",
    "tools_forced",
    "tools_parallel",
    "json_object",
    "json_schema",
    "image_input",
]
FEATURES: tuple[Feature, ...] = get_args(Feature)  # every feature, in probing order
LABELS: dict[str, str] = {
    "stream": "streaming",
    "stream_usage": "usage in streams",
    "tools_auto": "tool calls (tool_choice auto)",
    "tools_forced": "forced tool calls",
    "tools_parallel": "parallel tool calls",
    "json_object": "JSON mode (json_object)",
    "json_schema": "structured output (json_schema)",
    "image_input": "image input",
}


class Verdict(BaseModel):
    """Whether one feature works, what the probe saw, and when."""

    model_config = ConfigDict(extra="allow")

    supported: bool | None  # None: the probe could not tell (the endpoint kept failing)
    detail: str
    checked_at: str
    # For a feature that failed streamed: whether the same request works unstreamed.
    unstreamed_ok: bool | None = None


class Capabilities(BaseModel):
    """One endpoint's probe results (see the module docstring)."""

    model_config = ConfigDict(extra="allow")

    endpoint: str  # the base URL, or "local:<model file>" for a server evalkit starts
    model: str
    probed_at: str
    models: list[str] | None = None  # ids the endpoint lists at /models (None: no list)
    context_window: int | None = None
    context_window_source: str | None = None
    max_output_tokens: int | None = None
    max_output_source: str | None = None
    rate_limits: dict[str, str] = Field(default_factory=dict)
    verdicts: dict[str, Verdict] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def lines(self) -> list[str]:
        """The findings as short lines for a terminal or a report."""
        out = []
        if self.models is not None:
            listed = "listed" if self.model in self.models else "NOT listed"
            shown = ", ".join(self.models[:5]) + (" ..." if len(self.models) > 5 else "")
            out.append(f"model {self.model!r}: {listed} at /models ({shown or 'none'})")
        for feature in FEATURES:
            v = self.verdicts.get(feature)
            if v is not None:
                word = {True: "yes", False: "NO", None: "unknown"}[v.supported]
                if v.supported is False and v.unstreamed_ok:
                    word = "unstreamed only"
                out.append(f"{LABELS[feature]}: {word}: {v.detail}")
        window = _sized(self.context_window, self.context_window_source)
        out.append(f"context window: {window}")
        out.append(f"max output: {_sized(self.max_output_tokens, self.max_output_source)}")
        if self.rate_limits:
            pairs = ", ".join(f"{k}={v}" for k, v in sorted(self.rate_limits.items()))
            out.append(f"rate-limit headers: {pairs}")
        else:
            out.append("rate-limit headers: none sent")
        out.extend(self.notes)
        return out


def _sized(tokens: int | None, source: str | None) -> str:
    return "unknown" if tokens is None else f"{tokens:,} tokens ({source or 'probe'})"


def _has_image(messages: Any) -> bool:
    for message in messages or ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list) and any(
            isinstance(p, dict) and p.get("type") == "image_url" for p in content
        ):
            return True
    return False


def needed_features(body: dict[str, Any]) -> set[Feature]:
    """The features a request body relies on (``stream_usage`` never: tokens can be estimated)."""
    needs: set[Feature] = set()
    if body.get("stream"):
        needs.add("stream")
    if body.get("tools"):
        choice = body.get("tool_choice")
        if choice is None or choice == "auto":
            needs.add("tools_auto")
        elif choice != "none":
            needs.add("tools_forced")  # "required", or one function by name
        if body.get("parallel_tool_calls"):
            needs.add("tools_parallel")
    response_format = body.get("response_format")
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_object":
        needs.add("json_object")
    elif kind == "json_schema":
        needs.add("json_schema")
    if _has_image(body.get("messages")):
        needs.add("image_input")
    return needs


def _unstreamed(body: dict[str, Any]) -> dict[str, Any]:
    plain = {k: v for k, v in body.items() if k != "stream_options"}
    plain["stream"] = False
    return plain


def plan_request(
    caps: Capabilities, body: dict[str, Any], *, clamp_output: bool = True
) -> tuple[dict[str, Any] | None, str | None]:
    """(the body to send, None), or (None, why it is skipped), for ``body`` at ``caps``.

    A body is never mutated: a changed one is a copy. ``clamp_output`` False
    leaves ``max_tokens`` alone (the target configures its own cap).
    """
    out = body
    needs = needed_features(body)
    # Streaming last: a feature that works only unstreamed turns streaming off first.
    for feature in sorted(needs, key=lambda f: f == "stream"):
        verdict = caps.verdicts.get(feature)
        if verdict is None or verdict.supported is not False:
            continue
        if feature == "stream" and not out.get("stream"):
            continue  # already sent unstreamed for another feature's sake
        if verdict.unstreamed_ok:
            if out.get("stream"):
                out = _unstreamed(out)
            continue
        return None, f"{LABELS[feature]} not supported by this endpoint: {verdict.detail}"
    window = caps.context_window
    if window:
        prompt = estimate_prompt_tokens(out.get("messages") or [])
        if prompt > window:
            source = caps.context_window_source or "probe"
            return None, (
                f"prompt of about {prompt:,} tokens (estimated) exceeds the context window of "
                f"{window:,} tokens ({source})"
            )
    cap = caps.max_output_tokens
    if clamp_output and cap:
        for key in ("max_tokens", "max_completion_tokens"):
            value = out.get(key)
            if isinstance(value, int) and value > cap:
                out = {**out, key: cap}
    return out, None


__all__ = [
    "FEATURES",
    "LABELS",
    "Capabilities",
    "Feature",
    "Verdict",
    "needed_features",
    "plan_request",
]

"""The typed contents of a run folder: a record per item, and run.json.

Every model allows extra fields, so that a run written by a newer evalkit
(or extended by hand) still loads and keeps what it does not know; fields
are only ever added, with defaults, so that older run folders load too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from evalkit.clientload import ClientLoad
from evalkit.types import ItlStats, ToolCall

if TYPE_CHECKING:
    from evalkit.config import TargetConfig

SCHEMA_VERSION = 1

Key = tuple[str, str, str, int]
"""(target, suite, sample_id, epoch): what makes a record unique in a run."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorInfo(_Model):
    """Why an item failed: a stable ``type`` (errors.py ``kind``) and the message."""

    type: str
    message: str


class ScoreRecord(_Model):
    """One grader's verdict on one output.

    ``strict`` and ``extracted`` are a text grader's verdicts on the output as
    it stands and on the answer extracted from it (None when the grader does
    not tell them apart); ``score`` is the grader's own, one of the two.
    """

    grader: str
    score: float
    passed: bool
    explanation: str = ""
    details: dict[str, Any] | None = None
    strict: float | None = None
    extracted: float | None = None


class Record(_Model):
    """The final outcome of one (target, suite, sample, epoch)."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    target: str
    model: str
    suite: str
    sample_id: str
    epoch: int = 0
    status: Literal["ok", "error", "skipped"]
    error: ErrorInfo | None = None
    # Why a "skipped" item was never sent: the feature it needs that the endpoint lacks.
    skip_reason: str | None = None
    http_status: int | None = None
    attempts: int = 1
    started_at: str
    queue_s: float | None = None
    retry_wait_s: float = 0.0
    throttled: int = 0  # attempts the endpoint refused with 429 (rate limited)
    ttft_s: float | None = None
    e2e_s: float | None = None
    tpot_s: float | None = None
    itl_s: ItlStats | None = None
    output_tps: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_source: Literal["usage", "estimated"] | None = None
    cost_usd: float | None = None
    output: str | None = None
    tool_calls: list[ToolCall] | None = None
    finish_reason: str | None = None
    scores: list[ScoreRecord] = Field(default_factory=list)
    score: float | None = None
    passed: bool = False
    tags: list[str] = Field(default_factory=list)
    cluster: str | None = None

    @property
    def key(self) -> Key:
        """The record's (target, suite, sample_id, epoch)."""
        return (self.target, self.suite, self.sample_id, self.epoch)

    def with_scores(self, scores: list[ScoreRecord]) -> Record:
        """A copy scored by ``scores``: the first is the primary score (``score``, ``passed``)."""
        primary = scores[0] if scores else None
        return self.model_copy(
            update={
                "scores": list(scores),
                "score": primary.score if primary else None,
                "passed": primary.passed if primary else False,
            }
        )


class SuiteInfo(_Model):
    """A suite as it was when the run started (``sha256`` detects edits on resume)."""

    name: str
    path: str
    sha256: str
    n_samples: int
    kind: str = "chat"


class TargetInfo(_Model):
    """A target as the run used it: its configuration with header values redacted.

    The fields readers need are typed; the rest of the configuration is kept
    as it was (extra fields), so a configuration option added or removed later
    does not stop an old run.json from loading.
    """

    name: str
    base_url: str = ""
    model: str = ""
    simulated: bool = False

    @classmethod
    def of(cls, target: TargetConfig) -> TargetInfo:
        """``target`` as run.json stores it: header names kept, their values never."""
        data = target.model_dump()
        # Header values may carry credentials; their names are enough to explain a run.
        data["headers"] = {name: "<redacted>" for name in target.headers}
        data["base_url"] = target.public_url  # no user:password@, no query values
        return cls.model_validate(data)


class RunSettings(_Model):
    """What a run covers; stored in run.json so that resume repeats it exactly."""

    suites: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    epochs: int = 1
    limit: int | None = None
    shard: str | None = None  # "i/n", see runner.plan.parse_shard
    reference: str | None = None
    """The arm a comparison of this run's targets measures the others against: the
    first of ``targets`` (the first --target) unless set. A run.json written
    before this field existed gets the same default when it loads."""

    @model_validator(mode="after")
    def _first_target_is_the_reference(self) -> RunSettings:
        if self.reference is None and self.targets:
            self.reference = self.targets[0]
        return self


class RunManifest(_Model):
    """run.json: how the run was made. Holds no secret (targets name env vars only)."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    status: Literal["running", "finished", "interrupted", "aborted", "cost_limit", "failed"] = (
        "running"
    )
    """running (or killed: kill -9, power loss), finished, interrupted (Ctrl-C, SIGTERM),
    aborted (a target stopped for good), cost_limit (stopped sending at --max-cost),
    failed (the last note says why: a full disk, say); all but finished resume."""
    created_at: str
    finished_at: str | None = None
    evalkit_version: str
    python_version: str
    hostname: str | None = None  # the machine the run started on (junit.xml reports it)
    argv: list[str] = Field(default_factory=list)
    settings: RunSettings = Field(default_factory=RunSettings)
    targets: list[TargetInfo] = Field(default_factory=list)
    suites: list[SuiteInfo] = Field(default_factory=list)
    baseline: str | None = None
    notes: list[str] = Field(default_factory=list)
    aborted: dict[str, str] = Field(default_factory=dict)  # target -> why it was stopped
    # The client's own CPU and event-loop lag; absent (not null) in run.json when
    # unknown, so that a run.json from before it was measured writes back unchanged.
    client_load: ClientLoad | None = Field(None, exclude_if=lambda v: v is None)
    # target -> what the capability probe found (evalkit.client.capabilities.Capabilities)
    probes: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_serializer(mode="wrap")
    def _without_unknown_host(self, handler: SerializerFunctionWrapHandler) -> Any:
        # A run.json written before the hostname was recorded is written back as it was;
        # so is one that probed nothing (probes, evalkit.runner.probe).
        data = handler(self)
        if isinstance(data, dict) and data.get("hostname", "") is None:
            del data["hostname"]
        if isinstance(data, dict) and not data.get("probes"):
            data.pop("probes", None)
        return data

    def planned_items(self) -> int | None:
        """Items each target was to run: sum over suites of min(samples, limit), times epochs.

        None for a sharded run (which samples fall in a shard depends on a hash
        of the sample ids, not kept here) or a run.json without suites.
        """
        if self.settings.shard or not self.suites:
            return None
        limit = self.settings.limit
        per_epoch = sum(
            s.n_samples if limit is None else min(s.n_samples, limit) for s in self.suites
        )
        return per_epoch * self.settings.epochs

    def simulated_targets(self) -> set[str]:
        """Names of the targets that were evalkit's simulator."""
        return {t.name for t in self.targets if t.simulated}


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string (the format of every timestamp here)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


__all__ = [
    "SCHEMA_VERSION",
    "ErrorInfo",
    "Key",
    "Record",
    "RunManifest",
    "RunSettings",
    "ScoreRecord",
    "SuiteInfo",
    "TargetInfo",
    "utc_now",
]

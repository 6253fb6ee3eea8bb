"""evalkit's exceptions, one tree; callers catch by category.

    EvalkitError
    ├── InputError                 bad user input: exit code 2, no request sent
    │   ├── ConfigError            evalkit.toml / CLI flags (names the key or flag)
    │   ├── SuiteError             suite files (carries every Problem at once)
    │   ├── RunFolderError         a run folder's file is not what evalkit writes (file:line)
    │   └── RunFolderBusy          another process holds the run folder's lock
    ├── StorageError               the run folder could not be written (disk full): exit code 4
    ├── RequestError               one request to an endpoint failed
    │   ├── RetryableError         worth another attempt; ``retry_after`` is a floor
    │   │   ├── RateLimitError     429
    │   │   ├── ServerError        500, 502, 503, 504
    │   │   ├── ConnectError       connection refused or reset before a response
    │   │   ├── TimeoutError_      no answer within the per-request timeout
    │   │   └── StreamError        stream cut, no [DONE], malformed chunk
    │   │       └── TruncatedStreamError  [DONE] came but no finish_reason did
    │   └── FinalError             retrying cannot help; record it and move on
    │       ├── BadRequestError    400, 413, 422
    │       ├── ContextLengthError a 400 that says the prompt is too long
    │       ├── BadResponseError   a 2xx answer that is not a chat completion (valid JSON
    │       │                      of the wrong shape, nested too deep, numbers too long)
    │       ├── ResponseTooLargeError  an answer over the target's max_response_bytes
    │       ├── RateLimitedError   the server asked to wait (Retry-After) past what is
    │       │                      left of the item's retry budget: given up, not slept
    │       └── TargetFatalError   401, 402, 404: stop the whole target at once
    └── GraderError                a grader could not score (recorded, never raised to the CLI)

    EvalkitWarning (a UserWarning) something odd but recoverable in a run folder

Whether an error is retryable is decided once, in the client, and carried by
the class: the runner's retry policy only asks ``isinstance(e, RetryableError)``.
"""

from __future__ import annotations

from dataclasses import dataclass


class EvalkitError(Exception):
    """Base of every error evalkit raises on purpose."""


class InputError(EvalkitError):
    """Bad input from the user: the CLI exits 2 and sends no request."""


class ConfigError(InputError):
    """A bad evalkit.toml, target name or CLI flag."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a suite file: where, which field, and why."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}:{field} {self.message}"


class SuiteError(InputError):
    """One or more problems in suite files, all reported together."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RunFolderError(InputError, ValueError):
    """A run folder's file is broken or not evalkit's: names ``file:line`` and the field.

    Also a ValueError, since it is one: a value read from disk was not valid.
    """


class RunFolderBusy(InputError):
    """Another process is writing the run folder (it holds its lock): exit code 2."""


class StorageError(EvalkitError):
    """A run folder could not be written (disk full, quota, file size limit): exit code 4.

    What was written before stays valid (a torn record is cut off), so the
    run resumes once there is room.
    """


class EvalkitWarning(UserWarning):
    """Something odd but recoverable: duplicate records, a run still being written."""


class RequestError(EvalkitError):
    """One request to an endpoint failed; ``kind`` is the stable type recorded."""

    kind = "request_error"

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status


class RetryableError(RequestError):
    """Another attempt may succeed; wait at least ``retry_after`` seconds if set."""

    kind = "retryable"

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, http_status=http_status)
        self.retry_after = retry_after


class RateLimitError(RetryableError):
    kind = "rate_limit"


class ServerError(RetryableError):
    kind = "server_error"


class ConnectError(RetryableError):
    kind = "connection_error"


class TimeoutError_(RetryableError):
    kind = "timeout"


class StreamError(RetryableError):
    kind = "stream_error"


class TruncatedStreamError(StreamError):
    """A stream that ended (even with [DONE]) before any chunk gave a finish_reason.

    llama.cpp's servers cut a stream this way when another request
    interrupts it: HTTP 200, a few tokens, ``[DONE]``, and no reason given.
    """

    kind = "truncated"


class FinalError(RequestError):
    """Retrying cannot help: the record is written as an error."""

    kind = "final_error"


class BadRequestError(FinalError):
    kind = "bad_request"


class ContextLengthError(FinalError):
    kind = "context_length"


class BadResponseError(FinalError):
    """A success status with a body that is not a chat completion; the server would repeat it.

    A body or chunk that is not JSON at all (a proxy's HTML page, a torn
    chunk) is a ``StreamError`` instead: those come and go.
    """

    kind = "bad_response"


class ResponseTooLargeError(FinalError):
    """The answer grew past the target's ``max_response_bytes``: reading stopped there."""

    kind = "response_too_large"


class RateLimitedError(FinalError):
    """The server asked to wait longer than the item's retry budget allows.

    ``retry_after`` is the wait the server asked for, in seconds; the message
    says it too, with the budget that was left.
    """

    kind = "rate_limited"

    def __init__(self, message: str, *, http_status: int | None = None, retry_after: float) -> None:
        super().__init__(message, http_status=http_status)
        self.retry_after = retry_after


class TargetFatalError(FinalError):
    """401/402/404: every later request to this target would fail the same way."""

    kind = "target_fatal"


class GraderError(EvalkitError):
    """A grader could not produce a score (recorded with the score, not raised)."""


__all__ = [
    "BadRequestError",
    "BadResponseError",
    "ConfigError",
    "ConnectError",
    "ContextLengthError",
    "EvalkitError",
    "EvalkitWarning",
    "FinalError",
    "GraderError",
    "InputError",
    "Problem",
    "RateLimitError",
    "RateLimitedError",
    "RequestError",
    "ResponseTooLargeError",
    "RetryableError",
    "RunFolderBusy",
    "RunFolderError",
    "ServerError",
    "StorageError",
    "StreamError",
    "SuiteError",
    "TargetFatalError",
    "TimeoutError_",
    "TruncatedStreamError",
]

"""Client-side admission: quotas, cooldowns, announced limits and an adaptive pace.

Everything a request of one target waits for before it is sent:

- **configured quotas** (``rpm``, ``tpm``): token buckets. Concurrency alone does
  not keep a long-context suite under a tokens-per-minute quota (a few
  100k-token prompts exhaust it while the slots look free), so each request is
  admitted against its estimated prompt + max output tokens too;
- **cooldowns**: a 429 with Retry-After pauses the whole target, not just the
  item that hit it (the others would only collect 429s of their own);
- **announced limits**: when answers carry ``x-ratelimit-remaining-*`` /
  ``-reset-*``, admission counts down what is left and waits for the reset
  instead of sending into a 429;
- **an adaptive send rate** (AIMD, as TCP's congestion control, but on the
  rate: quotas are per minute, and at low latency a concurrency of 2 or 3 is
  already a 50% step). Unpaced until 429s come; half a second later (the
  cooldowns meanwhile hold the target to the quota, so what is accepted then
  measures it) sends are paced at ``DECREASE`` times the rate the
  endpoint accepted, cut again only when the share of 429s stands out from
  its background (see ``Pacer``), and
  raised additively, ``RECOVERY`` of the cut rate per second, in between.
  The concurrency in flight follows (rate x latency), under
  ``max_concurrency``. A quota the endpoint does not announce is thus found
  with a few 429s per minute instead of a stream of them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass

from evalkit.client.ratelimit import RateLimitHint

# The rate saws between DECREASE and 1 of the quota: 0.9 keeps ~95% of it in
# use; TCP's 0.5 would idle a quarter. The cut is taken from the measured
# acceptance rate, not the old pace, so it lands near the quota in one step.
DECREASE = 0.9
RECOVERY = 0.03  # of the cut rate, per second: back to the quota in ~3.5 s, then probe
WINDOW = 1.0  # seconds the send and acceptance rates are measured over
MIN_SPAN = 0.5  # ...and the least span that makes a rate
MEASURE_S = 0.5  # how long the first 429s are let run to measure the quota before pacing
MIN_RATE = 1 / 60  # a request a minute: the pace never stops altogether
SLACK = 1.1  # how far a refused pace may run ahead of the acceptance and still be cut from
SAMPLE = 50  # answers a share of 429s is measured over
MARGIN = 0.02  # a share of 429s this far above the background (and its noise) says "too fast"
SHALLOW = 0.25  # a share of 429s this high after a cut is a cut too shallow, not background


class TokenBucket:
    """A bucket refilled continuously at ``per_minute / 60`` units a second."""

    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = per_minute
        self.level = per_minute
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self, amount: float) -> None:
        # A request larger than a whole minute's quota would wait forever;
        # let it through when the bucket is full instead.
        amount = min(amount, self.capacity)
        async with self._lock:
            while True:
                now = time.monotonic()
                self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.level >= amount:
                    self.level -= amount
                    return
                await asyncio.sleep((amount - self.level) / self.rate)


@dataclass(slots=True)
class Ticket:
    """One admitted request: when it was sent and how much had been sent before it."""

    sent_at: float
    seq: int
    tokens_before: float
    tokens: float


class _Announced:
    """One announced quota (requests or tokens): what is left now, by our own count.

    Between answers, what is left refills at the announced per-minute limit
    (gateways refill continuously); without a limit we wait for the reset.
    A gateway with fixed windows costs one 429 a window that way, whose
    Retry-After then holds the target until its reset.
    """

    __slots__ = ("left", "per_s", "reset_at", "seq", "stamp")

    def __init__(self) -> None:
        self.left: float | None = None  # None: unknown, send freely
        self.per_s = 0.0  # refill rate, from the announced per-minute limit
        self.stamp = 0.0  # when ``left`` was last set
        self.reset_at = 0.0
        self.seq = -1  # the request whose answer ``left`` came from

    def update(
        self,
        remaining: int | None,
        reset_s: float | None,
        limit: int | None,
        seq: int,
        spent: float,
    ) -> None:
        # Answers arrive out of order; the freshest request's view wins, less
        # what was sent after that request (it could not count those).
        if remaining is None or seq < self.seq:
            return
        self.seq = seq
        self.stamp = time.monotonic()
        self.left = remaining - spent
        self.per_s = limit / 60.0 if limit else 0.0
        self.reset_at = self.stamp + (reset_s or 0.0)

    def spend(self, amount: float) -> None:
        if self.left is not None:
            self.left -= amount

    def wait(self, amount: float, now: float) -> float:
        """Seconds to hold a request of ``amount`` (0: send)."""
        if self.left is None:
            return 0.0
        left = self.left + self.per_s * (now - self.stamp)
        if left >= amount:
            return 0.0
        if now >= self.reset_at:
            self.left = None  # the window has reset; its new size comes with the next answer
            return 0.0
        until_reset = self.reset_at - now
        return min(until_reset, (amount - left) / self.per_s) if self.per_s else until_reset


class _Rate:
    """Events a second over the last ``WINDOW`` seconds (or since the first event, if later)."""

    __slots__ = ("first", "times")

    def __init__(self) -> None:
        self.times: deque[float] = deque()
        self.first: float | None = None

    def add(self, now: float) -> None:
        if self.first is None:
            self.first = now
        self.times.append(now)
        while self.times[0] < now - WINDOW:
            self.times.popleft()

    def per_second(self, now: float, window: float = WINDOW) -> float | None:
        """The rate over the last ``window`` seconds, or None until it means something."""
        if self.first is None:
            return None
        recent = sum(1 for t in self.times if t >= now - window)
        if now - self.first < window:
            span = now - self.first
            recent -= 1  # the first event opens the span; it is not a gap in it
        else:
            span = window
        if span < MIN_SPAN or recent < 1:
            return None
        return recent / span


class Pacer:
    """The adaptive send rate: none until 429s come, then AIMD on requests per second.

    A cut is a hypothesis, checked: if among the next ``SAMPLE`` answers the
    share of 429s did not fall by half, the 429s were not about the pace (a
    flaky gateway, injected faults) and the cut is undone; their share is
    kept as the background, and only 429s well above it cut again. So the
    pace backs off a quota, but a steady share of 429s never drives it
    towards zero.
    """

    __slots__ = (
        "_background",
        "_check",
        "_cut_at",
        "_cut_rate",
        "_first_429",
        "_next",
        "_oks",
        "_raised_at",
        "_recent",
        "_since_429",
        "_since_n",
        "rate",
    )

    def __init__(self) -> None:
        self.rate: float | None = None  # requests a second; None: unpaced
        self._next = 0.0  # when the next request may go
        self._cut_at = 0.0
        self._cut_rate = 0.0
        self._raised_at = 0.0
        self._oks = _Rate()
        self._recent: deque[bool] = deque(maxlen=SAMPLE)  # the last answers: 429 or not
        self._since_n = self._since_429 = 0  # answers (429s) to requests sent since the cut
        self._check: tuple[float, float | None] | None = None  # (429 share at cut, pace before)
        self._background = 0.0  # the share of 429s that is not about the pace
        self._first_429: float | None = None

    def delay(self, now: float) -> float:
        """Seconds until the next request may go (0: now)."""
        return 0.0 if self.rate is None else max(0.0, self._next - now)

    def sent(self, now: float) -> None:
        """A request went out: the next one waits a pace."""
        if self.rate is not None:
            self._next = max(self._next, now) + 1.0 / self.rate

    def accepted(self, sent_at: float, now: float) -> None:
        """A request was answered: note it, and raise the pace additively."""
        self._answered(sent_at, False)
        self._oks.add(now)
        if self.rate is not None:
            self.rate += self._cut_rate * RECOVERY * max(0.0, now - self._raised_at)
            self._raised_at = now

    def throttled(self, sent_at: float, now: float) -> bool:
        """A request was refused with 429: cut the pace if the 429s say it is too fast."""
        self._answered(sent_at, True)
        if sent_at < self._cut_at or self._check is not None:
            return False  # the last cut has not been judged yet
        if self._first_429 is None:
            self._first_429 = now
        if self.rate is None and now - self._first_429 < MEASURE_S:
            # The quota is measured first: meanwhile the cooldowns hold the
            # target to it, so what is accepted is the quota itself, not the
            # burst its bucket held at the start.
            return False
        share = sum(self._recent) / len(self._recent)
        b = self._background
        if share <= b + MARGIN + 2 * math.sqrt(b * (1 - b) / SAMPLE):
            return False
        # What the endpoint accepted lately is the best guess of its quota.
        # Paced, the pace that was just refused is sharper (the acceptance
        # lags it), unless it ran far ahead of what was accepted.
        # First cut: over the measuring span only (before it, the bucket's burst).
        window = MEASURE_S if self.rate is None else WINDOW
        measured = self._oks.per_second(now, window)
        if measured is None:
            return False  # nothing accepted lately to measure: the cooldowns hold it meanwhile
        base = measured if self.rate is None else min(self.rate, measured * SLACK)
        self._check = (share, self.rate)
        self.rate = max(base * DECREASE, MIN_RATE)
        self._cut_rate = self.rate
        self._cut_at = self._raised_at = now
        self._next = now + 1.0 / self.rate
        self._since_n = self._since_429 = 0
        return True

    def _answered(self, sent_at: float, throttled: bool) -> None:
        self._recent.append(throttled)
        if sent_at < self._cut_at:
            return
        self._since_n += 1
        self._since_429 += throttled
        if self._check is not None and self._since_n >= SAMPLE:
            share_at_cut, before = self._check
            self._check = None
            after = self._since_429 / self._since_n
            if after > share_at_cut / 2 and after < SHALLOW:
                # The cut did not relieve them: the 429s are background, not the pace.
                self._background = after
                self.rate = before
                if before is not None:
                    self._cut_rate = before
            # Still refused this often, the cut was too shallow (the measure
            # still held the bucket's first burst): the next 429 cuts again.


class Admission:
    """Everything a request of one target waits for before it is sent."""

    def __init__(self, rpm: float | None = None, tpm: float | None = None) -> None:
        self._rpm = TokenBucket(rpm) if rpm else None
        self._tpm = TokenBucket(tpm) if tpm else None
        self._resume_at = 0.0
        self.pacer = Pacer()
        self._sent = 0
        self._tokens_sent = 0.0
        self._requests = _Announced()
        self._tokens = _Announced()
        self.throttled = 0  # 429s seen
        self.cuts = 0  # times the pace was cut

    @property
    def counts_tokens(self) -> bool:
        """Whether requests must say their token estimate (a token quota is configured or known)."""
        return self._tpm is not None or self._tokens.seq >= 0

    def cool_down(self, seconds: float) -> None:
        """Hold every request of this target for ``seconds`` from now.

        The caller bounds ``seconds`` by the retry budget (run.py), so that a
        server's Retry-After of an hour cannot freeze the target; a value that
        is not a finite number above zero is ignored (sleeping on inf raises).
        """
        if 0 < seconds < math.inf:
            self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    async def admit(self, tokens: int) -> Ticket:
        """Wait until this request may be sent; the ticket goes back through ``done``."""
        # A cooldown, an announced reset or the pace can move while we sleep: look again.
        while True:
            now = time.monotonic()
            delay = max(
                self._resume_at - now,
                self.pacer.delay(now),
                self._requests.wait(1, now),
                self._tokens.wait(tokens, now),
            )
            if delay <= 0:
                break
            await asyncio.sleep(delay)
        if self._rpm is not None:
            await self._rpm.take(1)
        if self._tpm is not None:
            await self._tpm.take(tokens)
        now = time.monotonic()
        self.pacer.sent(now)
        ticket = Ticket(now, self._sent, self._tokens_sent, tokens)
        self._sent += 1
        self._tokens_sent += tokens
        self._requests.spend(1)
        self._tokens.spend(tokens)
        return ticket

    def done(self, ticket: Ticket, *, throttled: bool, hint: RateLimitHint | None = None) -> None:
        """Return a ticket: whether the endpoint throttled it, and what it announced."""
        now = time.monotonic()
        if hint is not None:
            spent_requests = self._sent - ticket.seq - 1
            spent_tokens = self._tokens_sent - ticket.tokens_before - ticket.tokens
            self._requests.update(
                hint.remaining_requests,
                hint.reset_requests_s,
                hint.limit_requests,
                ticket.seq,
                spent_requests,
            )
            self._tokens.update(
                hint.remaining_tokens,
                hint.reset_tokens_s,
                hint.limit_tokens,
                ticket.seq,
                spent_tokens,
            )
        if throttled:
            self.throttled += 1
            self.cuts += self.pacer.throttled(ticket.sent_at, now)
        else:
            self.pacer.accepted(ticket.sent_at, now)


__all__ = ["DECREASE", "RECOVERY", "Admission", "Pacer", "Ticket", "TokenBucket"]

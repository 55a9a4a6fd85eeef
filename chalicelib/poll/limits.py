"""How hard Kargo may ask one carrier: a token bucket, and backoff after trouble.

Pure: the clock, the sleep and the random source are passed in, so tests pin
them (a monotonic clock for pacing, not the wall clock: pacing measures
intervals, and a wall clock that jumps must not stall or burst the requests).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass


class TokenBucket:
    """`rate` requests per second on average, bursts up to `capacity`; thread-safe.

    A request takes a token; when none is left it reserves the next one and waits
    for it, so concurrent workers of one carrier share the carrier's pace."""

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        *,
        monotonic: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self._monotonic, self._sleep = monotonic, sleep
        self._tokens = self.capacity
        self._updated = monotonic()
        self._lock = threading.Lock()

    def acquire(self, deadline: float | None = None) -> bool:
        """Wait for a token. False (nothing taken) if it would come after `deadline`."""
        with self._lock:
            now = self._monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
            if deadline is not None and now + wait > deadline:
                return False
            self._tokens -= 1
        if wait > 0:
            self._sleep(wait)
        return True


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with "equal jitter": after the n-th failure in a row wait
    between half and all of `min(cap, base * 2**(n-1))`, and never less than the
    carrier's own `Retry-After`. Jitter keeps many callers from returning together."""

    base: float
    cap: float

    def delay(self, failures: int, rng: random.Random, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(0, failures - 1))
        jittered: float = ceiling / 2 + rng.uniform(0, ceiling / 2)
        return max(jittered, float(retry_after or 0.0))


# Inside one run: a short pause and another try, a few times.
RETRY_IN_RUN = Backoff(base=0.5, cap=8.0)
ATTEMPTS_IN_RUN = 3
# A wait the carrier asks for beyond this is not spent inside a run: the carrier
# is backed off until then instead.
LONGEST_WAIT_IN_RUN = 10.0
# Across runs: the carrier is left alone for a growing time (stored, see runner).
BETWEEN_RUNS = Backoff(base=60.0, cap=3600.0)

"""Pacing a carrier: the token bucket and backoff with jitter, on a pinned clock."""

from __future__ import annotations

import random
import threading

from chalicelib.poll.limits import BETWEEN_RUNS, RETRY_IN_RUN, Backoff, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.lock = threading.Lock()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)
            self.now += seconds


def test_bucket_allows_its_burst_then_paces_at_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(5.0, monotonic=clock.monotonic, sleep=clock.sleep)
    for _ in range(5):
        assert bucket.acquire()
    assert clock.slept == []  # the burst
    for _ in range(10):
        assert bucket.acquire()
    assert abs(clock.now - 10 / 5.0) < 1e-9  # then 5 per second


def test_bucket_refills_while_idle_up_to_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1.0, capacity=2, monotonic=clock.monotonic, sleep=clock.sleep)
    bucket.acquire()
    bucket.acquire()
    clock.now += 100  # a long pause refills no more than the capacity
    bucket.acquire()
    bucket.acquire()
    assert clock.slept == []
    bucket.acquire()
    assert clock.slept == [1.0]


def test_bucket_refuses_a_token_after_the_deadline() -> None:
    clock = FakeClock()
    bucket = TokenBucket(0.5, monotonic=clock.monotonic, sleep=clock.sleep)
    assert bucket.acquire(deadline=10)
    assert not bucket.acquire(deadline=1.0)  # the next token comes at 2 s
    assert clock.slept == []
    assert bucket.acquire(deadline=3.0)
    assert clock.slept == [2.0]


def test_backoff_grows_exponentially_within_its_jitter() -> None:
    rng = random.Random(42)
    policy = Backoff(base=60, cap=3600)
    for failures, ceiling in [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (30, 3600)]:
        for _ in range(50):
            delay = policy.delay(failures, rng)
            assert ceiling / 2 <= delay <= ceiling


def test_backoff_is_jittered_and_reproducible_with_a_seed() -> None:
    first = [BETWEEN_RUNS.delay(3, random.Random(1)) for _ in range(3)]
    again = [BETWEEN_RUNS.delay(3, random.Random(1)) for _ in range(3)]
    assert first == again
    spread = {round(BETWEEN_RUNS.delay(3, random.Random(seed)), 3) for seed in range(20)}
    assert len(spread) > 10


def test_backoff_honours_retry_after() -> None:
    rng = random.Random(0)
    assert RETRY_IN_RUN.delay(1, rng, retry_after=5.0) == 5.0
    assert BETWEEN_RUNS.delay(1, rng, retry_after=900.0) == 900.0
    assert BETWEEN_RUNS.delay(1, rng, retry_after=1.0) >= 30.0

"""Retrying what may succeed on a second try, and telling which AWS errors are such.

`retry` is for the optimistic-concurrency loops (a conditional write lost to a
concurrent writer: read again, merge again, write again). Between attempts it
waits a "full jitter" backoff (a random time up to an exponentially growing cap,
as the AWS Architecture Blog's "Exponential Backoff And Jitter" recommends), so
writers that collided do not collide again in lockstep.

`is_transient_aws_error` asks botocore's own retry classification (the checkers
its `standard` retry mode uses) instead of a copied list of error codes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import SimpleNamespace
from typing import TypeVar

from chalicelib import clock

T = TypeVar("T")
BASE_DELAY_S = 0.01
MAX_DELAY_S = 0.5


def backoff_delay(
    attempt: int,
    base: float = BASE_DELAY_S,
    cap: float = MAX_DELAY_S,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after failed attempt number `attempt` (0-based): full jitter."""
    return rng() * min(cap, base * (1 << attempt))


def retry(
    operation: Callable[[], T],
    *,
    on: type[BaseException] | tuple[type[BaseException], ...],
    attempts: int,
    sleep: Callable[[float], None] = clock.sleep,
    rng: Callable[[], float] = random.random,
) -> T:
    """`operation()` until it does not raise `on`, at most `attempts` times; the
    last failure propagates. Each call must start from a fresh read."""
    for attempt in range(attempts):
        try:
            return operation()
        except on:
            if attempt == attempts - 1:
                raise
            sleep(backoff_delay(attempt, rng=rng))
    raise ValueError("attempts must be at least 1")


def is_transient_aws_error(error: BaseException) -> bool:
    """Throttled or transient by botocore's classification: trying later may work.

    Except a read timeout: the request reached the service and may have taken
    effect (a message sent), so it is not safe to repeat as if nothing happened."""
    from botocore.exceptions import ClientError, ReadTimeoutError
    from botocore.retries.standard import (
        RetryContext,
        ThrottledRetryableChecker,
        TransientRetryableChecker,
    )

    if isinstance(error, ReadTimeoutError):
        return False
    parsed = error.response if isinstance(error, ClientError) else None
    status = (parsed or {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
    context = RetryContext(
        attempt_number=1,
        parsed_response=parsed,
        http_response=SimpleNamespace(status_code=status) if status else None,
        caught_exception=None if parsed is not None else error,  # type: ignore[arg-type]
    )
    return (
        status == 429
        or ThrottledRetryableChecker().is_retryable(context)
        or TransientRetryableChecker().is_retryable(context)
    )


def wait_before_retry(attempt: int) -> None:
    """For a hand-rolled retry loop (one with early answers inside): the same
    jittered backoff `retry` waits after failed attempt number `attempt`."""
    clock.sleep(backoff_delay(attempt))

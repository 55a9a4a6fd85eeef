"""The retry helper (jittered backoff) and the transient-error classification
that defers to botocore's own retry checkers."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from chalicelib.retry import backoff_delay, is_transient_aws_error, retry


class Lost(Exception):
    pass


def test_backoff_is_full_jitter_under_an_exponential_cap() -> None:
    assert backoff_delay(0, base=0.01, cap=0.5, rng=lambda: 1.0) == pytest.approx(0.01)
    assert backoff_delay(3, base=0.01, cap=0.5, rng=lambda: 1.0) == pytest.approx(0.08)
    assert backoff_delay(20, base=0.01, cap=0.5, rng=lambda: 1.0) == pytest.approx(0.5)
    assert backoff_delay(3, base=0.01, cap=0.5, rng=lambda: 0.25) == pytest.approx(0.02)


def test_retry_tries_again_with_growing_waits_then_succeeds() -> None:
    waits: list[float] = []
    outcomes: list[Any] = [Lost(), Lost(), "done"]

    def operation() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)

    assert retry(operation, on=Lost, attempts=5, sleep=waits.append, rng=lambda: 1.0) == "done"
    assert waits == pytest.approx([0.01, 0.02])


def test_retry_gives_up_after_its_attempts_and_lets_other_errors_through() -> None:
    calls: list[int] = []

    def always_lost() -> None:
        calls.append(1)
        raise Lost()

    with pytest.raises(Lost):
        retry(always_lost, on=Lost, attempts=3, sleep=lambda _: None)
    assert len(calls) == 3

    def broken() -> None:
        raise KeyError("not a conflict")

    with pytest.raises(KeyError):
        retry(broken, on=Lost, attempts=3, sleep=lambda _: None)


def client_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "SendEmail")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (client_error("ThrottlingException", 400), True),
        (client_error("TooManyRequestsException", 429), True),
        (client_error("ProvisionedThroughputExceededException", 400), True),
        (client_error("InternalFailure", 500), True),
        (client_error("ServiceUnavailable", 503), True),
        (client_error("RequestTimeout", 408), True),
        (client_error("Whatever", 429), True),
        (client_error("MessageRejected", 400), False),
        (client_error("ValidationException", 400), False),
        (EndpointConnectionError(endpoint_url="https://email.eu-central-1.amazonaws.com"), True),
        (ConnectTimeoutError(endpoint_url="https://sns"), True),
        # Sent, perhaps: repeating it could send twice.
        (ReadTimeoutError(endpoint_url="https://sns"), False),
        (ValueError("not AWS"), False),
    ],
)
def test_transient_errors_by_botocores_classification(error: Exception, transient: bool) -> None:
    assert is_transient_aws_error(error) is transient

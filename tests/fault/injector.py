"""Deterministic AWS faults for the pipeline, injected below the SDK.

Rules pick calls with a seeded RNG. A picked call is answered by the injector
instead of moto, on the wire (`before-send`), with the error body the real
service returns, so botocore parses it into the modeled exception and runs its
own retry logic, exactly as against AWS:

- `throttle`: one or two attempts are refused; the SDK's retries recover.
- `exhaust`: every attempt is refused; the SDK gives up and the application
  sees the error (what happens in a real throttling storm).
- `lost_response`: the call reaches moto and takes effect, then the client
  sees a timeout (the reply was lost): the caller must not assume it failed.

Backoff sleeps are recorded instead of slept (`Sleeper`), so a test with
thousands of calls stays fast.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ReadTimeoutError

FaultKind = Literal["throttle", "exhaust", "lost_response"]
Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Fault:
    """Refuse `share` of the matching calls of `service` (botocore's service name)."""

    service: str
    kind: FaultKind
    share: float
    operations: frozenset[str] | None = None  # None: every operation
    code: str = "ThrottlingException"
    status: int = 400
    when: Predicate | None = None  # on the call's API parameters

    def matches(self, service: str, operation: str, params: Mapping[str, Any]) -> bool:
        if service != self.service:
            return False
        if self.operations is not None and operation not in self.operations:
            return False
        return self.when is None or self.when(params)


@dataclass
class _Plan:
    fault: Fault
    refusals_left: int  # attempts still to refuse on the wire; large for `exhaust`


class _Raw:
    """What botocore reads a response body from (it calls `stream()`)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def error_response(protocol: str, url: str, code: str, status: int) -> AWSResponse:
    """The error as the service's wire protocol carries it."""
    message = "Rate exceeded" if "hrottl" in code or status == 429 else "Injected failure"
    headers = {"x-amzn-RequestId": "injected-fault"}
    if protocol == "json":
        headers["Content-Type"] = "application/x-amz-json-1.0"
        body = json.dumps({"__type": f"com.amazonaws.injected#{code}", "message": message})
    elif protocol == "rest-json":
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = f"{code}:http://internal.amazon.com/coral/"
        body = json.dumps({"message": message})
    elif protocol == "query":
        headers["Content-Type"] = "text/xml"
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>injected-fault</RequestId></ErrorResponse>"
        )
    else:  # pragma: no cover - Kargo talks to no other protocol
        raise ValueError(f"no error shape for protocol {protocol}")
    return AWSResponse(url, status, HTTPHeaders.from_dict(headers), _Raw(body.encode()))


@dataclass
class Sleeper:
    """Stands in for `time` in botocore's endpoint: backoff is recorded, not slept."""

    slept: float = 0.0

    def sleep(self, seconds: float) -> None:
        self.slept += seconds

    def __getattr__(self, name: str) -> Any:
        import time

        return getattr(time, name)


@dataclass
class FaultInjector:
    faults: list[Fault]
    seed: int
    rng: random.Random = field(init=False)
    injected: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    enabled: bool = True
    _local: threading.local = field(default_factory=threading.local)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def attach(self, client: Any) -> None:
        """Hook one botocore client (the cached ones in `chalicelib.aws`)."""
        service_id = client.meta.service_model.service_id.hyphenize()
        events = client.meta.events
        events.register(f"before-parameter-build.{service_id}", self._plan_call)
        # First, so the injector answers before moto's stubber does.
        events.register_first(f"before-send.{service_id}", self._on_send)
        events.register(f"after-call.{service_id}", self._after_call)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No faults inside: for the test's own reads of the final state."""
        self.enabled, before = False, self.enabled
        try:
            yield
        finally:
            self.enabled = before

    # --- hooks -----------------------------------------------------------------------
    def _plan_call(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        self.calls[(service, model.name)] += 1
        self._local.plan = None
        if not self.enabled:
            return
        for fault in self.faults:
            if fault.matches(service, model.name, params) and self.rng.random() < fault.share:
                refusals = {"throttle": self.rng.randint(1, 2), "exhaust": 1_000}.get(fault.kind, 0)
                self._local.plan = _Plan(fault, refusals)
                self.injected[(service, model.name, fault.kind)] += 1
                return

    def _on_send(self, request: Any, **_: Any) -> AWSResponse | None:
        plan: _Plan | None = getattr(self._local, "plan", None)
        if plan is None or plan.refusals_left <= 0:
            return None
        plan.refusals_left -= 1
        protocol = _PROTOCOLS[plan.fault.service]
        response = error_response(protocol, request.url, plan.fault.code, plan.fault.status)
        # botocore asks every before-send handler and takes the first answer, so
        # moto's stubber would still carry the request out: point it nowhere.
        request.url = REFUSED_URL
        return response

    def _after_call(self, http_response: Any, **_: Any) -> None:
        plan: _Plan | None = getattr(self._local, "plan", None)
        self._local.plan = None
        if (
            plan is not None
            and plan.fault.kind == "lost_response"
            and http_response.status_code < 300
        ):
            raise ReadTimeoutError(endpoint_url="injected://lost-response")


REFUSED_URL = "https://refused.injected-fault.invalid/"
_PROTOCOLS = {"dynamodb": "json", "sqs": "json", "sesv2": "rest-json", "sns": "query"}

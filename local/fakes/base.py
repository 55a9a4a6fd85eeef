"""What every fake carrier server shares: a threaded HTTP server on 127.0.0.1,
scripted journeys per tracking number, and injected failures.

A carrier's fake (`local/fakes/<slug>.py`) subclasses `FakeCarrier`, sets
`slug`, implements `handle(request)` in the carrier's own wire format (SOAP
envelopes and faults, token endpoints, JSON error shapes) and `default_journey`
in the carrier's own status codes. `make run` and the tests use the same fakes.

A journey is revealed one step per query by default (so a parcel moves each
time Kargo polls), or explicitly with `reveal`; `fail_next` and `throttle_next`
make the next requests fail the way that carrier fails.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

# Under `make run` the fakes move only parcels whose number starts with this (the demo's,
# and any a developer registers to watch one move); every other number is unknown to
# them, as to a real carrier, so webhooks alone drive it.
DEMO_PREFIX = "DEMO"


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass(frozen=True)
class FakeResponse:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Journey:
    steps: list[Any]  # carrier-native events, oldest first
    revealed: int = 0
    auto: bool = True  # reveal one more step on each query


class FakeCarrier:
    slug: ClassVar[str] = ""
    # In tests every number asked about gets a journey; `make run` turns this off.
    invents_journeys: bool = True

    def __init__(self) -> None:
        self.journeys: dict[str, Journey] = {}
        self.requests: list[FakeRequest] = []  # everything received, for tests
        self._failures: list[FakeResponse] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- to implement per carrier ---------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        raise NotImplementedError

    def default_journey(self, tracking_number: str) -> list[Any]:
        """The steps of a parcel nobody scripted, in the carrier's own codes."""
        raise NotImplementedError

    def failure(self, status: int) -> FakeResponse:
        """How this carrier answers when it is down (status 5xx) or throttling (429)."""
        return FakeResponse(status, b'{"error": "unavailable"}')

    # --- journeys ---------------------------------------------------------------------
    def knows(self, tracking_number: str) -> bool:
        """Whether this carrier has the parcel: scripted, a demo number, or (in tests)
        any number; never one starting with UNKNOWN (the not-found case)."""
        number = tracking_number.upper()
        if number.startswith("UNKNOWN"):
            return False
        with self._lock:
            scripted = tracking_number in self.journeys
        return scripted or self.invents_journeys or number.startswith(DEMO_PREFIX)

    def set_journey(self, tracking_number: str, steps: Sequence[Any], auto: bool = True) -> None:
        with self._lock:
            self.journeys[tracking_number] = Journey(list(steps), 0, auto)

    def reveal(self, tracking_number: str, count: int | None = None) -> None:
        """Show `count` steps (all when None) of that parcel's journey."""
        with self._lock:
            journey = self._journey(tracking_number)
            journey.revealed = len(journey.steps) if count is None else count

    def visible_steps(self, tracking_number: str, advance: bool = True) -> list[Any]:
        """What a query sees now; an automatic journey moves one step per query."""
        with self._lock:
            journey = self._journey(tracking_number)
            if advance and journey.auto and journey.revealed < len(journey.steps):
                journey.revealed += 1
            return journey.steps[: journey.revealed]

    def _journey(self, tracking_number: str) -> Journey:
        if tracking_number not in self.journeys:
            self.journeys[tracking_number] = Journey(self.default_journey(tracking_number))
        return self.journeys[tracking_number]

    # --- faults -------------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int = 503) -> None:
        with self._lock:
            self._failures += [self.failure(status)] * count

    def throttle_next(self, count: int = 1, retry_after: int = 1) -> None:
        response = self.failure(429)
        throttled = FakeResponse(
            429, response.body, response.content_type, {"Retry-After": str(retry_after)}
        )
        with self._lock:
            self._failures += [throttled] * count

    # --- the server -------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (a free port by default); the base URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = FakeRequest(
                    self.command,
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                response = fake._respond(request)
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = _serve  # noqa: N815 - http.server's names

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the local stack prints what matters

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"fake-{self.slug}", daemon=True
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _respond(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            self.requests.append(request)
            failure = self._failures.pop(0) if self._failures else None
        return failure or self.handle(request)

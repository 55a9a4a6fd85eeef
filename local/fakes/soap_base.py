"""What the SOAP carriers' fakes share: reading the request envelope, answering
with an envelope or a fault, and stamping each journey step with the moment a
query first revealed it (so a parcel moves when Kargo polls, at that time).

Credentials: any non-empty user name and password are accepted (the ones
`make run` configures included), except the password `wrong`, which, like an
empty one, gets the carrier's own refusal, so the refusal path can be walked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

import defusedxml.ElementTree as DET  # noqa: N814

from chalicelib.carriers.soap import ISTANBUL, local
from chalicelib.clock import utc_now
from local.fakes.base import FakeCarrier, FakeRequest, FakeResponse

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
REFUSED_PASSWORD = "wrong"  # noqa: S105 - the fake's documented refusal, no secret


def credentials_ok(username: str, password: str) -> bool:
    return bool(username.strip()) and bool(password.strip()) and password != REFUSED_PASSWORD


class SoapFake(FakeCarrier):
    def __init__(self) -> None:
        super().__init__()
        self._stamps: dict[tuple[str, int], datetime] = {}

    # --- requests ---------------------------------------------------------------
    @staticmethod
    def operation(request: FakeRequest) -> ET.Element | None:
        """The element inside the request's Body, or None for a body that is no envelope."""
        try:
            root = DET.fromstring(request.body)
        except Exception:  # any unreadable body is the client's fault
            return None
        for child in root:
            if local(child.tag) == "Body":
                return next(iter(child), None)
        return None

    @staticmethod
    def field(parent: ET.Element, name: str) -> str:
        for element in parent.iter():
            if local(element.tag) == name:
                return (element.text or "").strip()
        return ""

    @staticmethod
    def fields(parent: ET.Element, name: str) -> list[str]:
        return [(e.text or "").strip() for e in parent.iter() if local(e.tag) == name]

    # --- answers ----------------------------------------------------------------
    @staticmethod
    def envelope(inner: str, status: int = 200) -> FakeResponse:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>{inner}</soap:Body></soap:Envelope>'
        )
        return FakeResponse(status, body.encode(), "text/xml; charset=utf-8")

    @classmethod
    def fault(cls, code: str, message: str, detail: str = "") -> FakeResponse:
        detail_xml = f"<detail>{detail}</detail>" if detail else ""
        qualified = code if ":" in code else f"soap:{code}"
        return cls.envelope(
            f"<soap:Fault><faultcode>{qualified}</faultcode>"
            f"<faultstring>{escape(message)}</faultstring>{detail_xml}</soap:Fault>",
            500,
        )

    def failure(self, status: int) -> FakeResponse:
        if status == 429:
            return FakeResponse(429, b"Too Many Requests", "text/plain; charset=utf-8")
        return FakeResponse(
            status, b"<html><body>Service Unavailable</body></html>", "text/html; charset=utf-8"
        )

    # --- journeys ---------------------------------------------------------------
    def stamped(self, tracking_number: str) -> list[tuple[datetime, Any]]:
        """The steps a query sees now, each with the Istanbul wall-clock time at
        which a query first saw it (a step revealed before any query: now)."""
        steps = self.visible_steps(tracking_number)
        now = utc_now()
        stamped = []
        with self._lock:
            for index, step in enumerate(steps):
                moment = self._stamps.setdefault(
                    (tracking_number, index), now - timedelta(seconds=len(steps) - index)
                )
                stamped.append((moment.astimezone(ISTANBUL).replace(tzinfo=None), step))
        return stamped

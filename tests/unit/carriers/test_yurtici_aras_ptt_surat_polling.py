"""What the four SOAP carriers share: how trouble is classified (a SOAP fault, 401,
429 with Retry-After, 503, a timeout, no connection) over real HTTP, and that any
carrier-shaped garbage gives updates or `UnprocessableDelivery`, nothing else."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib import clock
from chalicelib.carriers import aras, ptt, soap, surat, yurtici
from chalicelib.carriers.polled import CarrierAccount, CarrierRefused, CarrierUnavailable
from chalicelib.domain.events import CANONICAL_TRACKING_NUMBER, CarrierUpdate
from chalicelib.errors import UnprocessableDelivery
from local.fakes.base import FakeCarrier, FakeRequest, FakeResponse

CLIENTS: dict[str, Any] = {
    "yurtici": yurtici.CLIENT,
    "aras": aras.CLIENT,
    "ptt": ptt.CLIENT,
    "surat": surat.CLIENT,
}


class Scripted(FakeCarrier):
    """Answers every request with one scripted response (or sleeps first)."""

    slug = "scripted"

    def __init__(self, response: FakeResponse, delay: float = 0.0) -> None:
        super().__init__()
        self.response, self.delay = response, delay

    def handle(self, request: FakeRequest) -> FakeResponse:
        clock.sleep(self.delay)
        return self.response

    def default_journey(self, tracking_number: str) -> list[Any]:
        return []


@pytest.fixture(scope="module")
def server() -> Iterator[Scripted]:
    # One server for the module: each stop() waits out http.server's 0.5 s poll.
    scripted = Scripted(FakeResponse(200, b""))
    scripted.start()
    yield scripted
    scripted.stop()


@pytest.fixture
def serve(server: Scripted) -> Any:
    def script(response: FakeResponse, delay: float = 0.0) -> CarrierAccount:
        server.response, server.delay = response, delay
        return CarrierAccount(server.url + "/service", "user", "secret", {"customer_code": "1"})

    return script


def fault(code: str, message: str, status: int = 500) -> FakeResponse:
    body = (
        f'<s:Envelope xmlns:s="{soap.SOAP11_NS}"><s:Body><s:Fault>'
        f"<faultcode>s:{code}</faultcode><faultstring>{escape(message)}</faultstring>"
        "</s:Fault></s:Body></s:Envelope>"
    )
    return FakeResponse(status, body.encode(), "text/xml; charset=utf-8")


@pytest.mark.parametrize("slug", sorted(CLIENTS))
class TestTroubleIsClassified:
    def test_credential_fault_is_a_refusal(self, slug: str, serve: Any) -> None:
        with pytest.raises(CarrierRefused):
            CLIENTS[slug].fetch(
                ["AB12345"], serve(fault("Server", "Kullanıcı adı veya şifre hatalı"))
            )

    def test_client_fault_is_a_refusal(self, slug: str, serve: Any) -> None:
        with pytest.raises(CarrierRefused):
            CLIENTS[slug].fetch(["AB12345"], serve(fault("Client", "Unknown operation")))

    def test_server_fault_is_worth_retrying(self, slug: str, serve: Any) -> None:
        with pytest.raises(CarrierUnavailable):
            CLIENTS[slug].fetch(["AB12345"], serve(fault("Server", "Veritabanı zaman aşımı")))

    def test_401_is_a_refusal(self, slug: str, serve: Any) -> None:
        with pytest.raises(CarrierRefused):
            CLIENTS[slug].fetch(["AB12345"], serve(FakeResponse(401, b"Unauthorized")))

    def test_429_carries_retry_after(self, slug: str, serve: Any) -> None:
        account = serve(FakeResponse(429, b"slow down", headers={"Retry-After": "42"}))
        with pytest.raises(CarrierUnavailable) as raised:
            CLIENTS[slug].fetch(["AB12345"], account)
        assert raised.value.retry_after == 42.0

    def test_503_is_worth_retrying(self, slug: str, serve: Any) -> None:
        account = serve(FakeResponse(503, b"<html>down</html>", "text/html"))
        with pytest.raises(CarrierUnavailable) as raised:
            CLIENTS[slug].fetch(["AB12345"], account)
        assert raised.value.retry_after is None

    def test_timeout_is_worth_retrying(
        self, slug: str, serve: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(soap, "TIMEOUT_SECONDS", 0.2)
        account = serve(FakeResponse(200, b""), delay=1.0)
        with pytest.raises(CarrierUnavailable, match="timed out"):
            CLIENTS[slug].fetch(["AB12345"], account)

    def test_no_connection_is_worth_retrying(self, slug: str) -> None:
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with pytest.raises(CarrierUnavailable):
            CLIENTS[slug].fetch(["AB12345"], CarrierAccount(f"http://127.0.0.1:{port}/", "u", "p"))


def test_retry_after_as_an_http_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    monkeypatch.setattr(
        "chalicelib.clock.utc_now", lambda: datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
    )
    assert soap.retry_after("Tue, 01 Dec 2026 10:01:30 GMT") == 90.0
    assert soap.retry_after("soon") is None
    assert soap.retry_after(None) is None


# --- any carrier-shaped garbage: updates or a dead letter, nothing else ---------------

junk = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "5",
            "6",
            "14",
            "NT",
            "DLV",
            "20261125",
            "143000",
            "25.11.2026",
            "14:30:00",
            "2026-02-22 14:30:00",
            "22/03/2026",
            "99999999",
            "ŞA",
            "İADE",
            "Teslim Edildi",
            "<",
            "&amp;",
            "|",
            "\n",
        ]
    ),
)
maybe = st.one_of(st.none(), junk)


def element(name: str, value: str | None) -> str:
    return "" if value is None else f"<{name}>{escape(value)}</{name}>"


def envelope(inner: str) -> bytes:
    return f'<s:Envelope xmlns:s="{soap.SOAP11_NS}"><s:Body>{inner}</s:Body></s:Envelope>'.encode()


@st.composite
def yurtici_bodies(draw: st.DrawFn) -> bytes:
    names = ["cargoKey", "errCode", "operationCode", "operationStatus", "operationMessage"]
    item_names = [
        "deliveryDate",
        "deliveryTime",
        "returnStatus",
        "rejectStatus",
        "estimatedDeliveryDate",
        "documentDate",
        "documentTime",
    ]
    event_names = [
        "eventId",
        "eventName",
        "reasonId",
        "reasonName",
        "eventDate",
        "eventTime",
        "cityName",
        "unitName",
    ]
    details = []
    for _ in range(draw(st.integers(0, 3))):
        events = "".join(
            "<invDocCargoVOArray>"
            + "".join(element(n, draw(maybe)) for n in event_names)
            + "</invDocCargoVOArray>"
            for _ in range(draw(st.integers(0, 3)))
        )
        item = (
            (
                "<shippingDeliveryItemDetailVO>"
                + "".join(element(n, draw(maybe)) for n in item_names)
                + events
                + "</shippingDeliveryItemDetailVO>"
            )
            if draw(st.booleans())
            else ""
        )
        details.append(
            "<shippingDeliveryDetailVO>"
            + "".join(element(n, draw(maybe)) for n in names)
            + item
            + "</shippingDeliveryDetailVO>"
        )
    vo = (
        "<ShippingDeliveryVO>"
        + element("outFlag", draw(maybe))
        + "".join(details)
        + "</ShippingDeliveryVO>"
    )
    return envelope(
        f'<q:queryShipmentResponse xmlns:q="{yurtici.NAMESPACE}">'
        f"{vo if draw(st.booleans()) or details else ''}</q:queryShipmentResponse>"
    )


@st.composite
def aras_bodies(draw: st.DrawFn) -> bytes:
    columns = [
        "KARGO_TAKIP_NO",
        "DURUM_KODU",
        "DURUMU",
        "TIP_KODU",
        "DEVIR_KODU",
        "CIKIS_TARIH",
        "TESLIM_TARIHI",
        "TESLIM_SAATI",
        "VARIS_SUBE",
        "IADE_SEBEBI",
    ]
    value = st.one_of(
        junk, st.integers(-5, 10), st.none(), st.booleans(), st.lists(junk, max_size=2)
    )
    rows = [
        {c: draw(value) for c in columns if draw(st.booleans())}
        for _ in range(draw(st.integers(0, 3)))
    ]
    shape = draw(st.sampled_from(["list", "row", "bare", "text", "null"]))
    document: Any = {
        "list": {"QueryResult": {"Cargo": rows}},
        "row": {"QueryResult": {"Cargo": rows[0] if rows else {}}},
        "bare": rows,
        "null": None,
    }.get(shape)
    result = json.dumps(document) if shape != "text" else draw(junk)
    return envelope(
        f'<GetQueryJSONResponse xmlns="{aras.NAMESPACE}"><GetQueryJSONResult>'
        f"{escape(result)}</GetQueryJSONResult></GetQueryJSONResponse>"
    )


@st.composite
def ptt_bodies(draw: st.DrawFn) -> bytes:
    movement = ["IKODU", "ISLEM", "ITARIH", "ISAAT", "IMERK"]
    dongu = "".join(
        "<dongu>" + "".join(element(n, draw(maybe)) for n in movement) + "</dongu>"
        for _ in range(draw(st.integers(0, 3)))
    )
    answer = envelope(
        f'<ns:barkodSorguResponse xmlns:ns="{ptt.NAMESPACE}"><ns:return>'
        + element("BARNO", draw(maybe))
        + element("aciklama", draw(maybe))
        + dongu
        + "</ns:return></ns:barkodSorguResponse>"
    )
    return soap.frame([(draw(junk), answer)])


@st.composite
def surat_bodies(draw: st.DrawFn) -> bytes:
    lines = "\n".join(
        "|".join(draw(st.lists(junk, max_size=4))) for _ in range(draw(st.integers(0, 4)))
    )
    answer = envelope(
        f'<{surat.OPERATION}Response xmlns="{surat.NAMESPACE}">'
        + element(f"{surat.OPERATION}Result", lines)
        + f"</{surat.OPERATION}Response>"
    )
    return soap.frame([(draw(junk), answer)])


def check(slug: str, body: bytes) -> None:
    try:
        updates = CLIENTS[slug].parse(body)
    except UnprocessableDelivery:
        return
    assert isinstance(updates, list)
    for update in updates:
        assert isinstance(update, CarrierUpdate) and update.carrier == slug
        assert CANONICAL_TRACKING_NUMBER.fullmatch(update.tracking_number)  # storable
        for event in update.events:
            assert event.occurred_at.utcoffset() is not None
            assert event.tracking_number == update.tracking_number
    # parsing twice gives the same identities (a repeated answer writes nothing)
    again = CLIENTS[slug].parse(body)
    assert [e.event_id for u in again for e in u.events] == [
        e.event_id for u in updates for e in u.events
    ]


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(yurtici_bodies())
def test_yurtici_shaped_garbage(body: bytes) -> None:
    check("yurtici", body)


@SETTINGS
@given(aras_bodies())
def test_aras_shaped_garbage(body: bytes) -> None:
    check("aras", body)


@SETTINGS
@given(ptt_bodies())
def test_ptt_shaped_garbage(body: bytes) -> None:
    check("ptt", body)


@SETTINGS
@given(surat_bodies())
def test_surat_shaped_garbage(body: bytes) -> None:
    check("surat", body)


@SETTINGS
@given(st.sampled_from(sorted(CLIENTS)), st.binary(max_size=200))
def test_any_bytes(slug: str, body: bytes) -> None:
    check(slug, body)


@pytest.mark.parametrize("slug", sorted(CLIENTS))
def test_each_fake_fails_and_throttles_when_told(slug: str) -> None:
    import importlib

    fake = importlib.import_module(f"local.fakes.{slug}").Fake()
    fake.start()
    try:
        account = CarrierAccount(fake.url + "/service", "user", "secret", {"customer_code": "1"})
        fake.fail_next(1, status=502)
        with pytest.raises(CarrierUnavailable):
            CLIENTS[slug].fetch(["AB12345"], account)
        fake.throttle_next(1, retry_after=30)
        with pytest.raises(CarrierUnavailable) as raised:
            CLIENTS[slug].fetch(["AB12345"], account)
        assert raised.value.retry_after == 30.0
        [update] = CLIENTS[slug].parse(CLIENTS[slug].fetch(["AB12345"], account))
        assert update.tracking_number == "AB12345" and update.events  # then it answers again
    finally:
        fake.stop()


@pytest.mark.parametrize("slug", sorted(CLIENTS))
def test_the_registry_serves_each_client_and_its_answers(slug: str) -> None:
    from chalicelib.carriers import get_polled, get_source

    client = get_polled(slug)
    assert client is CLIENTS[slug] and client.slug == slug
    assert 1 <= client.batch_size <= 50
    assert 0 < client.requests_per_second <= 2 and 1 <= client.max_concurrency <= 2
    source = get_source(f"poll:{slug}")
    assert source is not None
    with pytest.raises(UnprocessableDelivery):
        source.parse(b"garbage")


@pytest.mark.parametrize("slug", sorted(CLIENTS))
def test_a_full_batch_with_long_histories_fits_a_queued_delivery(slug: str) -> None:
    """An answer goes on the queue whole: a full batch of parcels with 15 movements
    each must stay under SQS's 256 KiB."""
    import importlib

    fake = importlib.import_module(f"local.fakes.{slug}").Fake()
    fake.start()
    try:
        client = CLIENTS[slug]
        numbers = [f"AB{index:011d}" for index in range(client.batch_size)]
        for number in numbers:
            steps = fake.default_journey(number)
            fake.set_journey(number, (steps[:-1] * 4)[:14] + steps[-1:], auto=False)
            fake.reveal(number)
        account = CarrierAccount(fake.url + "/service", "user", "secret", {"customer_code": "1"})
        answer = client.fetch(numbers, account)
        assert len(client.parse(answer)) == len(numbers)
        assert len(answer) < 256 * 1024
    finally:
        fake.stop()

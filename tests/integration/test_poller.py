"""The poller on moto against the test-only carriers' fakes: first poll after
registration, due selection by slot, batching, backoff, no write for a poll that
learns nothing, the end of polling at a final status, and the refresh endpoint."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.poll import limits, schedule
from chalicelib.store.pollers import carrier_state_pk, load_carrier_states
from tests.integration.conftest import Kargo, order_payload, quick_pacing
from tests.support import testpost

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def register(kargo: Kargo, order_id: str, *numbers: str, carrier: str = "testpost") -> None:
    shipments = [{"carrier": carrier, "tracking_number": n} for n in numbers]
    kargo.register(order_payload(order_id, shipments=shipments))


def shipment_item(number: str, carrier: str = "testpost") -> dict[str, Any]:
    from chalicelib import store

    item = store.get_raw_item(f"SHIP#{carrier}#{number}", "STATE")
    assert item is not None
    return item


def asked_numbers(fake: testpost.Fake) -> list[list[str]]:
    return [json.loads(request.body)["numbers"] for request in fake.requests]


def statuses(kargo: Kargo, order_id: str) -> dict[str, str]:
    body = json.loads(kargo.merchant_get(f"/orders/{order_id}").body)
    return {s["tracking_number"]: s["status"] for s in body["shipments"]}


class DynamoWrites:
    """Counts DynamoDB write calls made by the pipeline's own client (botocore hooks)."""

    WRITES = frozenset("PutItem UpdateItem DeleteItem BatchWriteItem TransactWriteItems".split())

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.client = aws.dynamodb()
        self.client.meta.events.register("before-call.dynamodb.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    @property
    def writes(self) -> int:
        return sum(n for name, n in self.calls.items() if name in self.WRITES)

    def close(self) -> None:
        self.client.meta.events.unregister("before-call.dynamodb.*", self._count)


def test_first_poll_follows_registration(kargo: Kargo, testpost_fake: testpost.Fake) -> None:
    register(kargo, "2001", "TP100001")
    assert kargo.run_poll_requests(NOW) == 1
    assert asked_numbers(testpost_fake) == [["TP100001"]]
    kargo.settle()
    assert statuses(kargo, "2001") == {"TP100001": "info_received"}


def test_only_due_slots_are_asked(kargo: Kargo, testpost_fake: testpost.Fake) -> None:
    numbers = [f"TP2000{i:02d}" for i in range(6)]
    register(kargo, "2002", *numbers)

    def run_asking(number: str) -> datetime:
        return schedule.first_run_asking(schedule.poll_slot("testpost", number), 7200, 60, NOW)

    first = min(numbers, key=run_asking)
    report = kargo.run_poller(run_asking(first))
    asked = {n for batch in asked_numbers(testpost_fake) for n in batch}
    # That run asks about exactly the shipments whose slots fell in its period.
    assert asked == {n for n in numbers if run_asking(n) == run_asking(first)}
    assert report["shipments"] == len(asked)
    # A run in which no period of theirs ends asks nobody.
    testpost_fake.requests.clear()
    report = kargo.run_poller(run_asking(first) + timedelta(minutes=1))
    assert testpost_fake.requests == [] and report["requests"] == 0


def test_a_cycle_asks_every_open_shipment_once_in_batches(
    kargo: Kargo, testpost_fake: testpost.Fake
) -> None:
    numbers = [f"TP3000{i:02d}" for i in range(7)]
    register(kargo, "2003", *numbers)
    asked: list[str] = []
    requests = 0
    for minute in range(120):  # one whole regular cycle, tick by tick
        testpost_fake.requests.clear()
        report = kargo.run_poller(NOW + timedelta(minutes=minute + 1))
        asked += [n for batch in asked_numbers(testpost_fake) for n in batch]
        requests += report["requests"]
        assert all(len(b) <= testpost.CLIENT.batch_size for b in asked_numbers(testpost_fake))
    assert sorted(asked) == sorted(numbers)  # each exactly once per cycle


def test_due_shipments_are_batched(
    kargo: Kargo, testpost_fake: testpost.Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [f"TP4000{i:02d}" for i in range(7)]
    register(kargo, "2004", *numbers)
    # An interval as short as the tick: every open shipment is due in every run.
    monkeypatch.setenv("KARGO_POLL_INTERVAL", "60")
    report = kargo.run_poller(NOW)
    batches = asked_numbers(testpost_fake)
    assert len(batches) == math.ceil(7 / testpost.CLIENT.batch_size) == report["requests"]
    assert sorted(n for b in batches for n in b) == sorted(numbers)
    assert report["enqueued"] == len(batches)


def test_a_carrier_that_is_down_is_backed_off_and_others_go_on(
    kargo: Kargo,
    testpost_fake: testpost.Fake,
    otherpost_fake: testpost.Fake,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register(kargo, "2005", "TP500001", "TP500002")
    register(kargo, "2006", "OP600001", carrier="otherpost")
    monkeypatch.setenv("KARGO_POLL_INTERVAL", "60")
    testpost_fake.fail_next(50, status=503)
    pacing = quick_pacing()
    report = kargo.run_poller(NOW, pacing)
    by_carrier = {c["carrier"]: c for c in report["carriers"]}
    # Asked a few times with pauses, then left alone: no hammering.
    assert by_carrier["testpost"]["outcome"] == "unavailable"
    assert len(testpost_fake.requests) == limits.ATTEMPTS_IN_RUN
    assert by_carrier["testpost"]["backoff_seconds"] >= limits.BETWEEN_RUNS.base / 2
    # The other carrier was asked as usual.
    assert by_carrier["otherpost"]["outcome"] == "done"
    assert asked_numbers(otherpost_fake) == [["OP600001"]]
    state = load_carrier_states(["testpost"])["testpost"]
    assert state.failures == 1 and state.retry_at is not None
    # Before the carrier's retry time: not asked at all, nothing written for it.
    testpost_fake.requests.clear()
    writes = DynamoWrites()
    report = kargo.run_poller(NOW + timedelta(seconds=30))
    assert testpost_fake.requests == []
    assert {c["carrier"]: c["outcome"] for c in report["carriers"]}["testpost"] == "backing_off"
    assert writes.writes == 0
    writes.close()
    # After it: the carrier is back, the shipments it owed are asked, the state is gone.
    testpost_fake._failures.clear()
    later = state.retry_at + timedelta(minutes=1)
    report = kargo.run_poller(later)
    assert sorted(n for b in asked_numbers(testpost_fake) for n in b) == ["TP500001", "TP500002"]
    assert load_carrier_states(["testpost"]) == {}


def test_throttling_honours_retry_after(
    kargo: Kargo, testpost_fake: testpost.Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(kargo, "2007", "TP700001")
    monkeypatch.setenv("KARGO_POLL_INTERVAL", "60")
    testpost_fake.throttle_next(1, retry_after=3)
    pacing = quick_pacing()
    paused: list[float] = []
    real_sleep = pacing.sleep

    def sleep(seconds: float) -> None:
        paused.append(seconds)
        real_sleep(seconds)

    pacing.sleep = sleep
    report = kargo.run_poller(NOW, pacing)
    assert report["carriers"][-1]["outcome"] == "done"
    assert len(testpost_fake.requests) == 2 and max(paused) >= 3
    # A long Retry-After is not waited for inside the run: the carrier is backed off.
    testpost_fake.requests.clear()
    testpost_fake.throttle_next(1, retry_after=600)
    report = kargo.run_poller(NOW + timedelta(minutes=1), quick_pacing())
    carrier = next(c for c in report["carriers"] if c["carrier"] == "testpost")
    assert len(testpost_fake.requests) == 1
    assert carrier["outcome"] == "unavailable" and carrier["backoff_seconds"] >= 600


def test_refused_account_is_reported_and_not_retried_in_the_run(
    kargo: Kargo, testpost_fake: testpost.Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(kargo, "2008", *[f"TP8000{i:02d}" for i in range(7)])
    monkeypatch.setenv("KARGO_POLL_INTERVAL", "60")
    monkeypatch.setenv("KARGO_TESTPOST_PASSWORD", "wrong")
    from chalicelib.config import reset_settings

    reset_settings()
    report = kargo.run_poller(NOW)
    carrier = next(c for c in report["carriers"] if c["carrier"] == "testpost")
    assert carrier["outcome"] == "refused"
    assert len(testpost_fake.requests) <= testpost.CLIENT.max_concurrency


def test_a_poll_that_learns_nothing_writes_nothing(
    kargo: Kargo, testpost_fake: testpost.Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(kargo, "2009", "TP900001", "TP900002")
    for number in ("TP900001", "TP900002"):
        steps = testpost_fake.default_journey(number)
        testpost_fake.set_journey(number, steps, auto=False)
        testpost_fake.reveal(number, 2)
    monkeypatch.setenv("KARGO_POLL_INTERVAL", "60")
    kargo.run_poller(NOW)
    kargo.settle()
    assert statuses(kargo, "2009") == {"TP900001": "in_transit", "TP900002": "in_transit"}
    writes = DynamoWrites()
    report = kargo.run_poller(NOW + timedelta(minutes=1))
    assert report["enqueued"] == 1  # the same answer again ...
    assert kargo.run_consumer() == 1
    assert writes.writes == 0, writes.calls  # ... writes nothing
    writes.close()


def test_polling_stops_at_a_final_status(
    kargo: Kargo, testpost_fake: testpost.Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(kargo, "2010", "TP100101", "TP100102")
    testpost_fake.set_journey("TP100101", testpost_fake.default_journey("TP100101"), auto=False)
    testpost_fake.reveal("TP100101")  # delivered
    testpost_fake.set_journey("TP100102", testpost_fake.default_journey("TP100102")[:3], False)
    testpost_fake.reveal("TP100102")  # out for delivery
    kargo.run_poll_requests(NOW)
    kargo.settle()
    assert statuses(kargo, "2010") == {"TP100101": "delivered", "TP100102": "out_for_delivery"}
    assert "poll_part" not in shipment_item("TP100101")
    assert shipment_item("TP100102")["poll_part"]["S"].startswith("POLL#testpost#near#")
    monkeypatch.setenv("KARGO_POLL_INTERVAL", "60")
    monkeypatch.setenv("KARGO_POLL_INTERVAL_NEAR", "60")
    testpost_fake.requests.clear()
    kargo.run_poller(NOW + timedelta(minutes=5))
    assert asked_numbers(testpost_fake) == [["TP100102"]]


def test_near_tier_is_polled_at_the_near_interval(
    kargo: Kargo, testpost_fake: testpost.Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(kargo, "2011", "TP110001")
    testpost_fake.set_journey("TP110001", testpost_fake.default_journey("TP110001")[:3], False)
    testpost_fake.reveal("TP110001")
    kargo.run_poll_requests(NOW)
    kargo.settle()
    testpost_fake.requests.clear()
    asked_minutes = []
    for minute in range(60):  # two near cycles of 30 minutes
        before = len(testpost_fake.requests)
        kargo.run_poller(NOW + timedelta(minutes=minute + 1))
        if len(testpost_fake.requests) > before:
            asked_minutes.append(minute)
    assert len(asked_minutes) == 2 and asked_minutes[1] - asked_minutes[0] == 30


def test_refresh_endpoint(kargo: Kargo, testpost_fake: testpost.Fake) -> None:
    register(kargo, "2012", "TP120001")
    kargo.run_poll_requests(NOW)
    testpost_fake.requests.clear()
    response = kargo.post_json("/shipments/testpost/tp-1200 01/refresh", {})
    assert response.status_code == 202, response.body
    assert json.loads(response.body)["refresh"] == "queued"
    assert kargo.run_poll_requests(NOW) == 1
    assert asked_numbers(testpost_fake) == [["TP120001"]]
    unknown = kargo.post_json("/shipments/testpost/TP999999/refresh", {})
    assert unknown.status_code == 404
    assert json.loads(unknown.body)["error"]["code"] == "not_found"
    kargo.register(
        order_payload("2013", shipments=[{"carrier": "ups", "tracking_number": "1Z999"}])
    )
    webhook_carrier = kargo.post_json("/shipments/ups/1Z999/refresh", {})
    assert webhook_carrier.status_code == 409
    assert json.loads(webhook_carrier.body)["error"]["code"] == "conflict"
    unauthorised = kargo.client.http.post("/shipments/testpost/TP120001/refresh", body=b"{}")
    assert unauthorised.status_code == 401


def test_refresh_of_a_final_shipment_conflicts(kargo: Kargo, testpost_fake: testpost.Fake) -> None:
    register(kargo, "2014", "TP140001")
    testpost_fake.reveal("TP140001")
    kargo.run_poll_requests(NOW)
    kargo.settle()
    response = kargo.post_json("/shipments/testpost/TP140001/refresh", {})
    assert response.status_code == 409


def test_carrier_state_is_one_item_per_carrier(
    kargo: Kargo, testpost_fake: testpost.Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(kargo, "2015", "TP150001")
    monkeypatch.setenv("KARGO_POLL_INTERVAL", "60")
    testpost_fake.fail_next(20)
    kargo.run_poller(NOW)
    kargo.run_poller(NOW + timedelta(hours=2))
    from chalicelib import store

    item = store.get_raw_item(carrier_state_pk("testpost"), "STATE")
    assert item is not None and item["failures"]["N"] == "2"


def test_an_answer_too_large_for_sqs_is_asked_again_in_smaller_batches(
    kargo: Kargo, testpost_fake: testpost.Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import ingress

    numbers = ["TP160001", "TP160002", "TP160003"]
    register(kargo, "2016", *numbers)
    for number in numbers:
        testpost_fake.set_journey(number, testpost_fake.default_journey(number)[:1], False)
        testpost_fake.reveal(number)
    monkeypatch.setenv("KARGO_POLL_INTERVAL", "60")
    # An SQS limit that one shipment's answer fits under, but not three.
    monkeypatch.setattr(ingress, "SQS_BODY_LIMIT", 200)
    report = kargo.run_poller(NOW)
    sizes = sorted(len(batch) for batch in asked_numbers(testpost_fake))
    assert sizes == [1, 1, 1, 2, 3]  # 3 -> too large -> 1 + 2 -> 2 too large -> 1 + 1
    assert report["enqueued"] == 3
    kargo.settle()
    assert set(statuses(kargo, "2016").values()) == {"info_received"}


def test_poll_requests_for_a_backed_off_carrier_wait_then_give_way_to_the_schedule(
    kargo: Kargo, testpost_fake: testpost.Fake
) -> None:
    from chalicelib.poll.runner import handle_poll_requests
    from chalicelib.store.pollers import CarrierState, save_carrier_state

    save_carrier_state("testpost", CarrierState(1, NOW + timedelta(minutes=5), None), NOW)
    record = {
        "messageId": "m1",
        "body": json.dumps({"carrier": "testpost", "tracking_number": "TP170001"}),
        "attributes": {"ApproximateReceiveCount": "1"},
    }
    junk = {"messageId": "m2", "body": "not json", "attributes": {}}
    result = handle_poll_requests({"Records": [record, junk]}, NOW, quick_pacing())
    assert testpost_fake.requests == []  # the carrier is left alone
    assert {f["itemIdentifier"] for f in result["batchItemFailures"]} == {"m1", "m2"}
    # Offered again and again: after a few receives it is dropped, the schedule asks anyway.
    record["attributes"] = {"ApproximateReceiveCount": "4"}
    result = handle_poll_requests({"Records": [record]}, NOW, quick_pacing())
    assert result["batchItemFailures"] == []
    # Once the carrier's time has come, the request is served.
    result = handle_poll_requests({"Records": [record]}, NOW + timedelta(minutes=6), quick_pacing())
    assert result["batchItemFailures"] == [] and asked_numbers(testpost_fake) == [["TP170001"]]


def test_a_shipment_registered_after_its_delivery_leaves_the_poll_index_at_the_next_scan(
    kargo: Kargo, testpost_fake: testpost.Fake
) -> None:
    delivered = {
        "carrier": "testpost",
        "tracking_number": "TP180001",
        "events": [{"status": "delivered", "occurred_at": "2026-11-23T08:00:00+03:00"}],
    }
    assert kargo.webhook(delivered).status_code == 202
    kargo.settle()
    register(kargo, "2018", "TP180001")
    assert "poll_part" in shipment_item("TP180001")  # the claim cannot see the status
    from chalicelib.clock import utc_now
    from chalicelib.scan import scan_due_shipments

    scan_due_shipments(utc_now() + timedelta(minutes=1))  # registered on the API's clock
    assert "poll_part" not in shipment_item("TP180001")

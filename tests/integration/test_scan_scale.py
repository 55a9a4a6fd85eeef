"""The scan at scale: shards in parallel, a rotating first shard, a time budget
that stops a run cleanly and leaves the rest due for the next one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import scan, store
from chalicelib.store.due import due_pages
from tests.integration.conftest import Kargo, order_payload

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ORDERS = 24


def register_many(kargo: Kargo) -> None:
    with kargo.at(START):
        for n in range(ORDERS):
            kargo.register(order_payload(f"S-{n}", f"YT9{n:09d}TR"))


def due_count(now: datetime) -> int:
    return sum(
        len(page)
        for shard in range(store.DUE_SHARDS)
        for page in due_pages(shard, now, scan.PAGE_SIZE)
    )


def test_every_shard_is_worked_and_the_report_is_logged_as_json(
    kargo: Kargo, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    register_many(kargo)
    now = START + timedelta(minutes=1)
    assert due_count(now) == ORDERS  # registration makes a shipment due at once
    report = scan.scan_due_shipments(now, workers=4)
    assert report["items_read"] == ORDERS
    assert report["shards_done"] == store.DUE_SHARDS and report["stopped_early"] is False
    # Due at registration (the clock ticks while it runs), seen a minute later.
    assert 55 < report["lag_seconds"] <= 60
    assert due_count(now) == 0  # each one rescheduled past `now`
    # The JSON log line (Powertools' handler keeps the stream it started with, so read
    # the record itself) and the EMF document on stdout.
    logged = [r for r in caplog.records if r.getMessage() == "scan finished"]
    assert logged and logged[0].scan["items_read"] == ORDERS
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    emf = [line for line in lines if "_aws" in line and "ScanItems" in line]
    assert emf and emf[0]["ScanItems"] == [ORDERS]
    assert "ayse@example.com" not in json.dumps(lines) and "Yılmaz" not in json.dumps(lines)


def test_an_exhausted_budget_stops_cleanly_and_the_next_run_resumes(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_many(kargo)
    now = START + timedelta(minutes=1)
    # Lambda says 5.5 s remain, the margin is 5 s: the budget lasts for a few items only.
    checks = {"left": 10}

    def exhausted(self: Any) -> bool:
        checks["left"] -= 1
        return checks["left"] < 0

    monkeypatch.setattr(scan.Budget, "exhausted", exhausted)
    first = scan.scan_due_shipments(now, lambda: 5_500, workers=1)
    assert first["stopped_early"] is True
    assert 0 < first["items_read"] < ORDERS
    left = due_count(now)
    assert left == ORDERS - first["items_read"]  # nothing lost, nothing half-done
    monkeypatch.undo()
    second = scan.scan_due_shipments(now + timedelta(seconds=1))
    assert second["items_read"] == left and second["stopped_early"] is False
    assert due_count(now + timedelta(seconds=1)) == 0


def test_a_spent_lambda_budget_reads_nothing() -> None:
    budget = scan.Budget(lambda: scan.SAFETY_MARGIN_MS - 1)
    assert budget.exhausted()
    assert not scan.Budget(lambda: 60_000).exhausted()
    assert not scan.Budget(None).exhausted()


def test_the_first_shard_rotates_run_by_run() -> None:
    interval = 60  # KARGO_SCAN_INTERVAL's default
    firsts = {scan.first_shard(START + timedelta(seconds=interval * i)) for i in range(16)}
    assert firsts == set(range(store.DUE_SHARDS))

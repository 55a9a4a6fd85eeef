"""Shared test setup: a clean Kargo environment, moto in-process, clients reset.

Time is an input. A test that depends on the date or the hour pins it with
time-machine's `time_machine` fixture (`time_machine.move_to(instant)`), which
moves every reader of the wall clock at once: `chalicelib.clock.utc_now`,
`datetime.now`, `time.time`, moto and botocore (monotonic timers keep real time).
To prove no other test depends on today, `KARGO_TEST_CLOCK=<ISO instant>` runs
the whole session under that wall clock (`make test` runs the fast suites again
under two of them); the clock ticks, so threads and timeouts behave.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine

# The test-only polled carriers' fixtures (`testpost_fake`, `otherpost_fake`).
pytest_plugins = ["tests.support.polling"]

# Before anything imports boto3: no real credentials, no real endpoints.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }
)
for name in ("AWS_ENDPOINT_URL", "KARGO_AWS_ENDPOINT", "AWS_PROFILE"):
    os.environ.pop(name, None)

# chalice.test.Client and the WSGI adapter answer unknown paths as the deployed API does.
from local.gateway import install as _install_contract_gateway  # noqa: E402

_install_contract_gateway()


@pytest.fixture(autouse=True)
def _fresh_settings_and_clients() -> Iterator[None]:
    from chalicelib.aws import reset_clients
    from chalicelib.config import reset_settings

    reset_settings()
    reset_clients()
    yield
    reset_settings()
    reset_clients()


# --- the session's wall clock ------------------------------------------------------
_session_clock: list[time_machine.travel] = []


def session_clock() -> datetime | None:
    """The instant KARGO_TEST_CLOCK names (ISO 8601 with an offset), if set."""
    raw = os.environ.get("KARGO_TEST_CLOCK", "").strip()
    if not raw:
        return None
    instant = datetime.fromisoformat(raw)
    if instant.tzinfo is None:
        raise pytest.UsageError(f"KARGO_TEST_CLOCK={raw!r} needs an offset, e.g. Z")
    return instant


def pytest_configure(config: pytest.Config) -> None:
    """Start the session's clock before any test module imports boto3 or moto."""
    instant = session_clock()
    if instant is not None:
        traveller = time_machine.travel(instant, tick=True)
        traveller.start()
        _session_clock.append(traveller)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _session_clock:
        _session_clock.pop().stop()


def pytest_report_header(config: pytest.Config) -> str:
    from chalicelib.clock import utc_now

    where = "KARGO_TEST_CLOCK" if _session_clock else "the real clock"
    return f"wall clock: {utc_now().isoformat(timespec='seconds')} ({where})"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Said at the end even under -q, which hides the header."""
    from chalicelib.clock import utc_now

    if _session_clock:
        where = f"KARGO_TEST_CLOCK={os.environ['KARGO_TEST_CLOCK']}"
    else:
        where = "the real clock"
    now = utc_now().isoformat(timespec="seconds")
    terminalreporter.write_line(f"wall clock at the end: {now} ({where})")

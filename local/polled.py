"""The polled carriers in the local stack: a fake server for each one whose
`KARGO_<CARRIER>_URL` is empty, Kargo pointed at it, and the poller's two workers.

Generic over `POLLED_MODULES`: a carrier whose client (`chalicelib/carriers/<slug>.py`)
or fake (`local/fakes/<slug>.py`) does not exist yet is skipped with one line. A
fake module may say which credentials it accepts as `Fake.DEV_ACCOUNT` (variable
suffix -> value, e.g. `{"USERNAME": ..., "PASSWORD": ..., "CUSTOMER_CODE": ...}`);
otherwise `kargo-dev` is used for each.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger("kargo.local")
DEV_VALUE = "kargo-dev"


@dataclass
class PolledCarriers:
    lines: list[str] = field(default_factory=list)  # what to print, once
    fakes: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for fake in self.fakes:
            fake.stop()


def _prefix(slug: str) -> str:
    return f"KARGO_{slug.upper()}_"


def client_available(slug: str) -> bool:
    from chalicelib.carriers import get_polled

    try:
        return get_polled(slug) is not None
    except (ImportError, AttributeError):
        return False


def fake_module(slug: str) -> Any | None:
    try:
        module = importlib.import_module(f"local.fakes.{slug}")
    except ImportError:
        return None
    return module if hasattr(module, "Fake") else None


def polled_locally(slug: str) -> bool:
    """Does `make run` poll this carrier (a client, and a fake or a URL)?"""
    from chalicelib.carriers import POLLED_MODULES

    if slug not in POLLED_MODULES or not client_available(slug):
        return False
    return bool(os.environ.get(_prefix(slug) + "URL")) or fake_module(slug) is not None


def dev_account(slug: str, fake: Any) -> dict[str, str]:
    from chalicelib.config import CARRIER_EXTRA_CREDENTIALS

    declared = getattr(fake, "DEV_ACCOUNT", None)
    if declared:
        return {str(k): str(v) for k, v in declared.items()}
    if callable(getattr(fake, "account", None)):
        # The fake knows the account it accepts (URL included: MNG serves under a prefix).
        account = fake.account()
        names = {key: suffix for suffix, key in CARRIER_EXTRA_CREDENTIALS.get(slug, {}).items()}
        values = {"URL": account.url, "USERNAME": account.username, "PASSWORD": account.password}
        return values | {names[key]: value for key, value in account.extra.items() if key in names}
    suffixes = ["USERNAME", "PASSWORD", *CARRIER_EXTRA_CREDENTIALS.get(slug, {})]
    return dict.fromkeys(suffixes, DEV_VALUE)


def start_polled_carriers() -> PolledCarriers:
    """Start the fakes and export their URLs and credentials (before any worker reads them)."""
    from chalicelib.carriers import POLLED_MODULES
    from chalicelib.config import reset_settings

    started = PolledCarriers()
    for slug in POLLED_MODULES:
        prefix = _prefix(slug)
        if not client_available(slug):
            started.lines.append(f"{slug}: not polled (no client in this build)")
            continue
        url = os.environ.get(prefix + "URL")
        if url:
            started.lines.append(f"{slug}: {url} ({prefix}URL)")
            continue
        module = fake_module(slug)
        if module is None:
            started.lines.append(f"{slug}: not polled (no fake and {prefix}URL is empty)")
            continue
        fake = module.Fake()
        fake.invents_journeys = False  # only DEMO… numbers move: webhooks drive the rest
        os.environ[prefix + "URL"] = fake.start()
        for suffix, value in dev_account(slug, fake).items():
            if suffix == "URL" or not os.environ.get(prefix + suffix):
                os.environ[prefix + suffix] = value
        started.fakes.append(fake)
        started.lines.append(f"{slug}: fake at {fake.url}")
    reset_settings()
    return started


class PollSchedule:
    """Plays the EventBridge schedule: a run at every multiple of the tick, handed
    the moment it stands for, so the slots it reads are the ones of that tick."""

    def __init__(self, run: Callable[[datetime], object], tick_seconds: int) -> None:
        self.run, self.tick = run, tick_seconds

    def loop(self, stopping: threading.Event) -> None:
        from chalicelib.clock import utc_now

        next_at = (int(utc_now().timestamp()) // self.tick + 1) * self.tick
        while not stopping.is_set():
            wait = next_at - utc_now().timestamp()
            if wait > 0 and stopping.wait(wait):
                return
            try:
                self.run(datetime.fromtimestamp(next_at, UTC))
            except Exception:
                logger.exception("poll run failed; the next tick asks again")
            next_at += self.tick
            now = int(utc_now().timestamp())
            if next_at < now - self.tick:  # fell far behind (a suspended laptop): skip ahead
                next_at = now // self.tick * self.tick


def start_poll_workers(stack: Any, resources: Any) -> None:
    """The scheduled poller and the poll-request consumer, as threads of the stack."""
    import app as kargo
    from chalicelib.config import poll_settings
    from local.pollers import SqsPoller

    requests = SqsPoller(
        resources.poll_request_queue_url,
        lambda event: kargo.poll_requested(event, None),
        os.environ["AWS_DEFAULT_REGION"],
    )
    stack.every("poll-requests", 0.0, lambda: requests.poll_once(wait_seconds=1))

    def scheduled(at: datetime) -> None:
        kargo.poll_carriers({"time": at.isoformat()}, None)

    schedule = PollSchedule(scheduled, poll_settings().tick_seconds)
    thread = threading.Thread(
        target=schedule.loop, args=(stack.stopping,), name="poll-schedule", daemon=True
    )
    thread.start()
    stack.threads.append(thread)

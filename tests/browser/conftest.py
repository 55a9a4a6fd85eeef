"""Kargo over real HTTP for a real browser: moto in-process, the Chalice app
served by `chalice.local` on a free 127.0.0.1 port in a thread, and Debian's
Chromium driven by the `playwright` package (never its browser download)."""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.stack import free_port

# The integration tests' fixture, made visible here: one moto setup for both.
from tests.integration.conftest import Kargo, kargo  # noqa: F401

CHROMIUM = Path(os.environ.get("KARGO_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
# The flags that keep Chromium quiet and self-contained on CI machines.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@dataclass
class LiveKargo:
    """The pipeline, driven in-process, and the URL a browser reaches it at."""

    kargo: Kargo
    base_url: str

    def register(self, order: dict[str, Any]) -> str:
        """The new order's first tracking URL."""
        created = self.kargo.register(order)
        url: str = created["shipments"][0]["tracking_url"]
        return url

    def carrier_says(self, payload: dict[str, Any]) -> None:
        response = self.kargo.webhook(payload)
        assert response.status_code == 202, response.body
        self.kargo.settle()

    def notifications(self, order_id: str) -> list[dict[str, Any]]:
        body = json.loads(self.kargo.merchant_get(f"/orders/{order_id}/notifications").body)
        notes: list[dict[str, Any]] = body["notifications"]
        return notes


@pytest.fixture
def live(kargo: Kargo, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveKargo]:  # noqa: F811
    """The integration tests' `kargo` (moto in-process), also served over HTTP."""
    from chalice.config import Config
    from chalice.local import LocalDevServer

    from app import app
    from chalicelib.config import reset_settings

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("KARGO_PUBLIC_URL", base_url)
    monkeypatch.setenv("KARGO_BRAND_NAME", "Lale Butik")
    monkeypatch.setenv("KARGO_REVIEW_URL", "https://reviews.example/lale-butik")
    monkeypatch.setenv("KARGO_SUPPORT_WHATSAPP", "+90 555 111 22 33")
    reset_settings()
    server = LocalDevServer(app, Config.create(chalice_stage="dev"), "127.0.0.1", port)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveKargo(kargo, base_url)
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(timeout=5)


# Why browser tests were skipped, for the banner at the end of the run.
MISSING: set[str] = set()
NO_CHROMIUM = (
    f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's chromium "
    "(sudo apt-get install -y chromium)"
)
NO_PLAYWRIGHT = "the `playwright` package is missing (pip install -r requirements-dev.txt)"


def skip_browser(reason: str) -> None:
    MISSING.add(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A skipped browser test must not pass unnoticed in a green run."""
    if not MISSING:
        return
    terminalreporter.section("BROWSER TESTS DID NOT RUN", sep="!", red=True, bold=True)
    for reason in sorted(MISSING):
        terminalreporter.write_line(f"  {reason}", red=True, bold=True)
    terminalreporter.write_line(
        "  The tracking page was not checked in a real browser.", red=True, bold=True
    )


@pytest.fixture
def browser_context(tmp_path: Path) -> Iterator[Any]:
    """A fresh Chromium profile per test, phone-sized until a test says otherwise."""
    if not CHROMIUM.exists():
        skip_browser(NO_CHROMIUM)
    try:
        sync_api: Any = importlib.import_module("playwright.sync_api")
    except ImportError:
        skip_browser(NO_PLAYWRIGHT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS[1:],  # Playwright adds --headless itself
            headless=True,
            viewport=PHONE,
            java_script_enabled=False,  # the page must work without it
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()

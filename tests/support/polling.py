"""Fixtures that register the test-only carriers as polled and serve their fakes."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.support import otherpost, testpost


def _serve(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> testpost.Fake:
    from chalicelib.carriers import POLLED_MODULES
    from chalicelib.config import reset_settings

    fake: testpost.Fake = module.Fake()
    url = fake.start()
    prefix = f"KARGO_{module.SLUG.upper()}_"
    monkeypatch.setitem(POLLED_MODULES, module.SLUG, module.MODULE)
    monkeypatch.setenv(prefix + "URL", url)
    monkeypatch.setenv(prefix + "USERNAME", testpost.USERNAME)
    monkeypatch.setenv(prefix + "PASSWORD", testpost.PASSWORD)
    reset_settings()
    return fake


@pytest.fixture
def testpost_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[testpost.Fake]:
    """Test Post is polled (registered, credentials set) and its fake is listening."""
    fake = _serve(monkeypatch, testpost)
    yield fake
    fake.stop()


@pytest.fixture
def otherpost_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[testpost.Fake]:
    fake = _serve(monkeypatch, otherpost)
    yield fake
    fake.stop()

"""A second test-only polled carrier (slug `otherpost`), speaking Test Post's format:
to show that one carrier's trouble does not hold up another."""

from __future__ import annotations

from typing import ClassVar

from tests.support.testpost import USERNAME, TestPostClient
from tests.support.testpost import Fake as TestPostFake

SLUG = "otherpost"
MODULE = "tests.support.otherpost"
CLIENT = TestPostClient(SLUG)


class Fake(TestPostFake):
    slug = SLUG
    DEV_ACCOUNT: ClassVar[dict[str, str]] = {
        "USERNAME": USERNAME,
        "PASSWORD": TestPostFake.DEV_ACCOUNT["PASSWORD"],
    }

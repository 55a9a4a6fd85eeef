"""The fault tests drive the same in-process pipeline as the integration tests."""

from tests.integration.conftest import kargo

__all__ = ["kargo"]

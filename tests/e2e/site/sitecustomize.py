"""Test-only: registers the test double carrier as polled in every process of the local
stack (the stack and its `chalice local` child), when `KARGO_TEST_POLLED` names it.

`KARGO_TEST_POLLED=testpost=tests.support.testpost`: the carrier's client module, also
served as `local.fakes.testpost` so that the stack starts its fake like any other's.
Put on PYTHONPATH only by tests/e2e/test_polled_stack.py.
"""

from __future__ import annotations

import os

if os.environ.get("KARGO_TEST_POLLED"):
    import importlib
    import sys

    for entry in os.environ["KARGO_TEST_POLLED"].split(","):
        slug, _, module_name = entry.partition("=")
        from chalicelib.carriers import POLLED_MODULES

        POLLED_MODULES[slug] = module_name
        sys.modules[f"local.fakes.{slug}"] = importlib.import_module(module_name)

"""Fake carrier servers for the local stack and the tests, one module per polled
carrier, each speaking that carrier's own wire format (see `base.py`)."""

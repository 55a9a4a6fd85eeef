"""Carrier statistics from aggregates: small per-day items the stream keeps up to
date (`updater`), read back in a bounded number of queries (`chalicelib.store.stats`), summed and
turned into shares and percentiles by pure code (`aggregate`)."""

"""The poller: Kargo asks the carriers that publish no webhooks (the Turkish ones).

- `schedule`: pure. Which shipments are polled, how often (the tier), and when
  (a fixed slot in every cycle), as the attributes of the sparse `by_poll` index.
- `limits`: pure. A token bucket per carrier and exponential backoff with jitter.
- `requests`: the small SQS queue of "poll this now" (first poll, merchant refresh).
- `runner`: one run: read the slots that came due, ask each carrier in batches,
  put each raw answer on the webhook queue as a delivery of source `poll:<slug>`.
"""

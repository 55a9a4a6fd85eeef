"""Function timeouts and the queue and retry settings derived from them.

Kept together because they only make sense together: AWS wants a source queue's visibility
timeout at least six times its consumer's timeout (plus the batching window), so a message
is not redelivered while a throttled or retried invocation still holds it.
"""

from __future__ import annotations

CONSUMER_TIMEOUT_SECONDS = 30
CONSUMER_BATCHING_WINDOW_SECONDS = 5
WEBHOOK_VISIBILITY_SECONDS = 6 * CONSUMER_TIMEOUT_SECONDS + CONSUMER_BATCHING_WINDOW_SECONDS
MAX_RECEIVES_BEFORE_DLQ = 5
# One shop event per invocation: a slow shop endpoint (10 s timeout) holds up nothing else.
MERCHANT_DELIVERY_TIMEOUT_SECONDS = 30
MERCHANT_DELIVERY_VISIBILITY_SECONDS = 6 * MERCHANT_DELIVERY_TIMEOUT_SECONDS
# The scan stops itself this long before the timeout (chalicelib/scan.py, the Lambda's
# remaining time); what it did not reach stays due for the next run.
SCAN_TIMEOUT_SECONDS = 120
NOTIFIER_RETRY_ATTEMPTS = 5
NOTIFIER_MAX_RECORD_AGE_HOURS = 6
POLLER_TIMEOUT_SECONDS = 60  # one tick: the run keeps a 10 s margin (chalicelib/poll/runner.py)
POLL_REQUESTS_TIMEOUT_SECONDS = 30
POLL_REQUESTS_BATCHING_WINDOW_SECONDS = 2
POLL_REQUEST_VISIBILITY_SECONDS = 6 * POLL_REQUESTS_TIMEOUT_SECONDS

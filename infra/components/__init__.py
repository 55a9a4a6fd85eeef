"""The parts of a Kargo stack, one construct per concern.

- `Data` (`data.py`): the DynamoDB table, built from `chalicelib/store/schema.py`
- `Secrets` (`secrets.py`): the app's secret, the token key, the carriers' secret
- `Queues` (`queues.py`): every SQS queue and dead-letter queue, the event bus
- `Roles` (`roles.py`): one log group and one least-privilege role per function
- `Functions` (`functions.py`): the Chalice app, its functions' and the API's settings
- `EventSources` (`event_sources.py`): SQS and stream mappings, the WhatsApp event topic
- `Schedule` (`schedule.py`): the EventBridge rules of the scan and the poller
- `Monitoring` (`monitoring.py`): the alarm topic and every alarm

`infra/stacks/kargo.py` composes them. A component is a namespace in the construct tree,
not in the template: its resources keep the logical ids they had when the stack held them
directly (`logical_ids.py`), so regrouping never replaces a table or a queue.
"""

from __future__ import annotations

from constructs import Construct


class Component(Construct):
    """One concern of the stack. Left out of its resources' logical ids (`logical_ids.py`)."""

"""Pure domain: statuses, events, merge and delay rules. No AWS, no HTTP."""

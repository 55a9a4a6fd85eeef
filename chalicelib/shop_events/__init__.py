"""Events for the shop's other systems (CONTRACT.md section 9): the event model,
EventBridge publishing, and signed webhooks to the shop's own endpoint."""

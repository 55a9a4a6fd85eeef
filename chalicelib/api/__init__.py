"""The HTTP edge: request models, response shaping, errors, auth."""

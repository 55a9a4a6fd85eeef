"""The HTTP edge shared by the API, the shopper's page and the console: sessions,
CSRF tokens, rate limits."""

"""The merchant console: server-rendered pages for the shop's staff (sign-in,
overview, delayed work list, search, an order, requests, carriers, ratings)."""

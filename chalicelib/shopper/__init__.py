"""The shopper's side of Kargo: the tracking page, ratings and notification
preferences as HTML (CONTRACT.md sections 6 and 8). The JSON lookup lives in
`chalicelib.tracking`; the use cases in `chalicelib.feedback` and
`chalicelib.preferences`."""

"""Known paths answer every method they do not take with `405 method_not_allowed`.

API Gateway answers a method a resource does not declare exactly as it answers
an unknown path (403 `Missing Authentication Token`, which infra maps to 404),
and Chalice's own 405 body is not the contract's shape. So every path gets a
small view for each method it lacks: API Gateway then routes those methods to
Lambda like any other, and `chalice local`, `chalice.test.Client` and the
deployed API all answer `405` with an `Allow` header, in the contract's shape.

`KargoChalice` keeps those views right whatever the order routes are declared
in: a real view registered later for one of the methods replaces its 405 view.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, Response

from chalicelib.api.http import json_response
from chalicelib.errors import MethodNotAllowed

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class MethodNotAllowedView:
    """The view behind the methods a path does not take."""

    __name__ = "method_not_allowed"  # Chalice names the route entry after its view
    answers_method_not_allowed = True

    def __init__(self, app: Chalice, path: str) -> None:
        self.app, self.path = app, path

    def allowed(self) -> list[str]:
        return sorted(
            method
            for method, entry in self.app.routes[self.path].items()
            if not isinstance(entry.view_function, MethodNotAllowedView)
        )

    def __call__(self, **_path_parameters: str) -> Response:
        return json_response(
            MethodNotAllowed().body(), 405, headers={"Allow": ", ".join(self.allowed())}
        )


class KargoChalice(Chalice):
    """Chalice, with a 405 view for every method a declared path does not take."""

    def _register_route(self, name: str, user_handler: Any, kwargs: Any, **unused: Any) -> None:
        path = kwargs["path"]
        prefix = kwargs.get("url_prefix")
        if prefix is not None:  # as Chalice computes it
            path = "/".join([prefix.rstrip("/"), path.strip("/")]).rstrip("/")
        methods = [method.upper() for method in kwargs["kwargs"].get("methods", ["GET"])]
        existing = self.routes[path]
        for method in methods:
            entry = existing.get(method)
            if entry is not None and isinstance(entry.view_function, MethodNotAllowedView):
                del existing[method]
        super()._register_route(name, user_handler, kwargs, **unused)
        if isinstance(user_handler, MethodNotAllowedView):
            return
        missing = [method for method in HTTP_METHODS if method not in existing]
        if missing:
            view = MethodNotAllowedView(self, path)
            route_kwargs = {"methods": missing, "content_types": ["*/*"]}
            super()._register_route(view.__name__, view, {"path": path, "kwargs": route_kwargs})

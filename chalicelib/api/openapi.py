"""The OpenAPI 3.1 document of Kargo's HTTP API, generated from the pydantic models.

Request bodies come from the models the routes validate with; response bodies
from `chalicelib/api/responses.py`. The operations are listed here, one entry
per route in `app.py` (a test fails when a route is missing).

`python -m chalicelib.api.openapi` writes `chalicelib/openapi.json` (bundled
with the Lambda and served at `GET /openapi.json`) and a copy at the repository
root for people and tools; `--check` fails when either is stale. Serving reads
the JSON file and imports nothing else, so the route costs no cold start.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DOCUMENT = Path(__file__).resolve().parent.parent / "openapi.json"
ROOT_DOCUMENT = PACKAGE_DOCUMENT.parent.parent / "openapi.json"
OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"  # CONTRACT.md v1
REF = "#/components/schemas/{model}"

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"

# Example identifiers. The contract tests seed an order with exactly these, so
# the examples lead somewhere real.
EXAMPLE_ORDER_ID = "1001"
# A documented example: the sealed token of yurtici YT123456789TR of order 1001 under the local
# development key (chalicelib/tokens.py), so the example link opens in `make run`.
EXAMPLE_TOKEN = (
    "AkV4YW1wbGVUcmFja1RvayHowmfZMqoUCG_fYloM8VHOwAOoVvbNhYk2xYJnVgDSc__LcFbYtYms1_99Ui1_T-c"  # noqa: S105
)
EXAMPLE_RETURN_ID = "ret_0123456789abcdef"


def published_document_text() -> str:
    """The committed document, as served at `GET /openapi.json`."""
    return _read_published()


@cache
def _read_published() -> str:
    return PACKAGE_DOCUMENT.read_text(encoding="utf-8")


# --- what an operation is ----------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """A response body: a model name (JSON) or a media type with a plain schema."""

    model: str | None = None
    media_type: str = JSON
    schema: dict[str, Any] | None = None


@dataclass(frozen=True)
class Answer:
    description: str
    bodies: tuple[Body, ...] = ()
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str  # the view's name in app.py
    tag: str
    summary: str
    description: str = ""
    merchant: bool = False
    request_model: str | None = None
    request_schema: dict[str, Any] | None = None  # when no model describes the body
    form: bool = False  # also takes the page's form posts
    parameters: tuple[dict[str, Any], ...] = ()
    answers: dict[str, Answer] = field(default_factory=dict)


def error(description: str, *, html: bool = False) -> Answer:
    bodies: tuple[Body, ...] = (Body("ErrorBody"),)
    if html:
        bodies += (Body(media_type=HTML, schema={"type": "string"}),)
    return Answer(description, bodies)


def ok(description: str, model: str) -> Answer:
    return Answer(description, (Body(model),))


def page(description: str) -> Answer:
    return Answer(description, (Body(media_type=HTML, schema={"type": "string"}),))


SERVER_ERROR = error("Something failed on Kargo's side; retry later. Never a stack trace.")


def path_parameter(name: str, pattern: str, example: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": pattern},
        "example": example,
    }


def query_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def header_parameter(name: str, description: str, required: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": {"type": "string"},
        "description": description,
    }


ORDER_ID = path_parameter(
    "order_id", r"^[A-Za-z0-9._-]{1,64}$", EXAMPLE_ORDER_ID, "The shop's own order id."
)
TOKEN = path_parameter(
    "token",
    r"^[A-Za-z0-9_-]{16,256}$",
    EXAMPLE_TOKEN,
    "A shipment's tracking token; every unknown or malformed token gets the same 404.",
)
RETURN_ID = path_parameter("return_id", r"^ret_[0-9a-f]{16}$", EXAMPLE_RETURN_ID, "A return.")
LANG = query_parameter("lang", {"enum": ["tr", "en"]}, "Labels in this language.")
ACCEPT_LANGUAGE = header_parameter(
    "Accept-Language", "Used for labels when `lang` is not given.", required=False
)

WEBHOOK_ANSWERS = {
    "202": ok("Durably queued; processed asynchronously.", "Accepted"),
    "401": error("`invalid_signature`: missing, wrong or too old. Nothing was kept."),
    "413": error("`payload_too_large`: over 256 KiB."),
    "415": error("`unsupported_media_type`: not JSON."),
    "5XX": error("Not queued: retry the delivery later."),
}
WEBHOOK_SOURCES: dict[str, tuple[str, str | None, tuple[dict[str, Any], ...]]] = {
    "generic": (
        "Kargo's own format, signed with Standard Webhooks v1 (HMAC-SHA256 over "
        "`{webhook-id}.{webhook-timestamp}.{body}`, key = the base64 part of the `whsec_` "
        "secret; timestamps more than 300 s from now are refused).",
        "GenericPayload",
        (
            header_parameter("webhook-id", "The delivery's id; the same on redeliveries."),
            header_parameter("webhook-timestamp", "Unix seconds."),
            header_parameter("webhook-signature", "Space-separated `v1,<base64>` entries."),
        ),
    ),
    "easypost": (
        "An EasyPost `Event` whose `result` is a `Tracker`.",
        None,
        (
            header_parameter(
                "X-Hmac-Signature",
                "`hmac-sha256-hex=<hex>`: HMAC-SHA256 of the raw body, key = NFKD secret.",
            ),
        ),
    ),
    "aftership": (
        "An AfterShip `tracking_update` with the tracking in `msg`.",
        None,
        (header_parameter("aftership-hmac-sha256", "Base64 HMAC-SHA256 of the raw body."),),
    ),
    "shippo": (
        "A Shippo `track_updated` with the track in `data`.",
        None,
        (
            {
                "name": "token",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
                "description": "Shippo's URL token, compared in constant time.",
            },
        ),
    ),
    "kolaygelsin": (
        "A Kolay Gelsin (Sendeo) cargo action: `CargoEventType`, `TimeStamp`, "
        "`CustomerBarcode`, ... (one object, or a list).",
        None,
        (
            header_parameter(
                "Authorization",
                "`Basic base64(kolaygelsin:<KARGO_WEBHOOK_SECRET_KOLAYGELSIN>)`, "
                "compared in constant time.",
            ),
        ),
    ),
    "shopify": (
        "A Shopify Admin API webhook (`orders/create`, `orders/updated`, `orders/cancelled`, "
        "`fulfillments/create`, `fulfillments/update`, `refunds/create`), its payload unchanged: "
        "orders, customers, fulfillments and refunds register themselves.",
        None,
        (
            header_parameter(
                "X-Shopify-Hmac-Sha256",
                "Base64 HMAC-SHA256 of the raw body with KARGO_SHOPIFY_WEBHOOK_SECRET.",
            ),
            header_parameter("X-Shopify-Topic", "The topic, e.g. `orders/create`."),
            header_parameter("X-Shopify-Webhook-Id", "The delivery id (deduplicated)."),
        ),
    ),
    "woocommerce": (
        "A WooCommerce webhook (`order.created`, `order.updated`) with the REST v3 order, tracking "
        "numbers from the Shipment Tracking extension's `_wc_shipment_tracking_items` meta. "
        "WooCommerce's ping when a webhook is saved (form body `webhook_id=<n>`) gets 200.",
        None,
        (
            header_parameter(
                "X-WC-Webhook-Signature",
                "Base64 HMAC-SHA256 of the raw body with KARGO_WOOCOMMERCE_WEBHOOK_SECRET.",
            ),
            header_parameter("X-WC-Webhook-Topic", "The topic, e.g. `order.updated`."),
            header_parameter("X-WC-Webhook-Delivery-ID", "The delivery id (deduplicated)."),
        ),
    ),
}


def webhook_operations() -> list[Operation]:
    operations = []
    for source, (about, model, parameters) in WEBHOOK_SOURCES.items():
        operations.append(
            Operation(
                method="post",
                path=f"/webhooks/{source}",
                operation_id="receive_webhook",
                tag="carriers",
                summary=f"Receive a {source} tracking webhook",
                description=about
                + " The signature is checked on the raw body before anything is stored; "
                "a redelivery is safe (202 again, no new event, no new notification); "
                "a signed body that cannot be parsed is kept in the dead-letter queue.",
                request_model=model,
                request_schema=None if model else {"type": "object"},
                parameters=parameters,
                answers=WEBHOOK_ANSWERS,
            )
        )
    return operations


MERCHANT_ERRORS = {
    "401": error("`unauthorized`: the merchant key is missing or wrong."),
    "5XX": SERVER_ERROR,
}
BODY_ERRORS = {
    "400": error("`invalid_json` or `validation_error` (`details` says where)."),
    "413": error("`payload_too_large`"),
    "415": error("`unsupported_media_type`"),
}
NOT_FOUND = {"404": error("`not_found`")}
CONFLICT = {"409": error("`conflict`: the request contradicts what is stored.")}


def merchant_operations() -> list[Operation]:
    return [
        Operation(
            "post",
            "/orders",
            "create_order",
            "merchants",
            "Register an order",
            "The same request again answers 200 with the same body; the same id with other "
            "content answers 409.",
            merchant=True,
            request_model="OrderIn",
            answers={
                "201": ok("Registered.", "OrderRegistered"),
                "200": ok("Registered before with the same content.", "OrderRegistered"),
                **BODY_ERRORS,
                **CONFLICT,
                **MERCHANT_ERRORS,
            },
        ),
        Operation(
            "post",
            "/orders/{order_id}/shipments",
            "create_shipment",
            "merchants",
            "Add a shipment to an order",
            merchant=True,
            request_model="ShipmentIn",
            parameters=(ORDER_ID,),
            answers={
                "201": ok("Added.", "ShipmentReference"),
                "200": ok("Added before.", "ShipmentReference"),
                **BODY_ERRORS,
                **NOT_FOUND,
                **CONFLICT,
                **MERCHANT_ERRORS,
            },
        ),
        Operation(
            "get",
            "/orders/{order_id}",
            "get_order",
            "merchants",
            "An order with each shipment's status and timeline",
            merchant=True,
            parameters=(ORDER_ID,),
            answers={"200": ok("The order.", "OrderView"), **NOT_FOUND, **MERCHANT_ERRORS},
        ),
        Operation(
            "get",
            "/orders/{order_id}/notifications",
            "get_notifications",
            "merchants",
            "Every notification of an order, sent, failed or skipped",
            merchant=True,
            parameters=(ORDER_ID,),
            answers={
                "200": ok("Oldest first.", "NotificationList"),
                **NOT_FOUND,
                **MERCHANT_ERRORS,
            },
        ),
        Operation(
            "post",
            "/orders/{order_id}/cancel",
            "cancel_order",
            "merchants",
            "Cancel an order that has not shipped",
            "Allowed while every shipment is `pending` or `info_received`; the shopper is told.",
            merchant=True,
            parameters=(ORDER_ID,),
            answers={
                "200": ok("Cancelled.", "OrderView"),
                **NOT_FOUND,
                **CONFLICT,
                **MERCHANT_ERRORS,
            },
        ),
        Operation(
            "post",
            "/orders/{order_id}/returns",
            "create_return",
            "merchants",
            "Track a return shipment",
            merchant=True,
            request_model="ReturnIn",
            parameters=(ORDER_ID,),
            answers={
                "201": ok("Registered.", "ReturnRegistered"),
                "200": ok("Registered before.", "ReturnRegistered"),
                **BODY_ERRORS,
                **NOT_FOUND,
                **CONFLICT,
                **MERCHANT_ERRORS,
            },
        ),
        Operation(
            "post",
            "/orders/{order_id}/returns/{return_id}/refund",
            "refund_return",
            "merchants",
            "Record a refund for a return; the shopper is told",
            merchant=True,
            request_model="RefundIn",
            parameters=(ORDER_ID, RETURN_ID),
            answers={
                "200": ok("Refunded.", "Refunded"),
                **BODY_ERRORS,
                **NOT_FOUND,
                **CONFLICT,
                **MERCHANT_ERRORS,
            },
        ),
        Operation(
            "get",
            "/shipments",
            "list_shipments",
            "merchants",
            "The shop's delayed shipments that are not final, longest delayed first",
            merchant=True,
            parameters=(
                {
                    "name": "delayed",
                    "in": "query",
                    "required": True,
                    "schema": {"enum": ["true"]},
                    "description": "Only the delayed list exists.",
                },
                query_parameter("cursor", {"type": "string"}, "`next` of the previous page."),
                query_parameter(
                    "limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Page size."
                ),
            ),
            answers={
                "200": ok("One page.", "DelayedShipments"),
                "400": error("`validation_error`: a query parameter is wrong."),
                **MERCHANT_ERRORS,
            },
        ),
    ]


def shopper_operations() -> list[Operation]:
    form_or_json_errors = {
        "400": error("JSON: `invalid_json` or `validation_error`. Form: a page.", html=True),
        "403": error("A form post without a valid CSRF token: a page.", html=True),
        "404": error("`not_found`, the same for every unknown or malformed token.", html=True),
        "413": error("`payload_too_large`", html=True),
        "415": error("`unsupported_media_type`: neither JSON nor a form post."),
        "429": error("`rate_limited`: too many posts for this link; see `Retry-After`.", html=True),
        "5XX": error("Something failed on Kargo's side.", html=True),
    }
    redirect = Answer(
        "A form post was taken: back to the page.",
        headers={"Location": {"schema": {"type": "string"}, "description": "Relative."}},
    )
    return [
        Operation(
            "get",
            "/track/{token}",
            "track",
            "shoppers",
            "A shipment's status, estimate and timeline",
            "No authentication: the token is the credential. Labels follow `?lang=`, else "
            "`Accept-Language`, else the customer's locale.",
            parameters=(TOKEN, LANG, ACCEPT_LANGUAGE),
            answers={
                "200": ok("The shipment.", "TrackingView"),
                "404": error("`not_found`, the same for every unknown or malformed token."),
                "5XX": SERVER_ERROR,
            },
        ),
        Operation(
            "post",
            "/track/{token}/feedback",
            "rate_delivery",
            "shoppers",
            "Rate a delivery (one rating per shipment)",
            "JSON, or a form post from the page (answered with a 303 back to it).",
            request_model="FeedbackIn",
            form=True,
            parameters=(TOKEN,),
            answers={
                "200": ok("Thanks.", "Thanks"),
                "303": redirect,
                "409": error("`conflict`: this shipment was rated already."),
                **form_or_json_errors,
            },
        ),
        Operation(
            "post",
            "/track/{token}/preferences",
            "set_notification_preferences",
            "shoppers",
            "Turn e-mail, SMS or WhatsApp notifications on or off",
            "JSON, or a form post from the page (answered with a 303 back to it).",
            request_model="PreferencesIn",
            form=True,
            parameters=(TOKEN,),
            answers={
                "200": ok("The stored preferences.", "Preferences"),
                "303": redirect,
                "409": error("`conflict`: the order changed meanwhile; try again."),
                **form_or_json_errors,
            },
        ),
    ]


def self_service_operations() -> list[Operation]:
    """The shopper's self-service and the shop's answers."""
    shopper_errors = {
        "400": error("JSON: `invalid_json` or `validation_error`. Form: a page.", html=True),
        "403": error("A form post without a valid CSRF token: a page.", html=True),
        "404": error("`not_found`, the same for every unknown or malformed token.", html=True),
        "409": error("`conflict`: not allowed now (after pickup, outside the window).", html=True),
        "413": error("`payload_too_large`", html=True),
        "415": error("`unsupported_media_type`: neither JSON nor a form post."),
        "429": error("`rate_limited`: too many posts for this link; see `Retry-After`.", html=True),
        "5XX": error("Something failed on Kargo's side.", html=True),
    }
    request_id = path_parameter("request_id", r"^rrq_[0-9a-f]{16}$", "rrq_0123456789abcdef",
                                "A return request.")  # fmt: skip
    decline = {
        "200": ok("Declined; the shopper is told the reason.", "RequestDeclined"),
        **BODY_ERRORS, **NOT_FOUND, **CONFLICT, **MERCHANT_ERRORS,
    }  # fmt: skip
    return [
        Operation(
            "post", "/track/{token}/cancel", "shopper_cancel", "shoppers",
            "Cancel the order before pickup (or ask the shop to)",
            "JSON, or a form post from the page (answered with a page).",
            request_schema={"type": "object", "maxProperties": 0}, form=True,
            parameters=(TOKEN,),
            answers={"200": ok("Cancelled.", "CancelAnswer"),
                     "202": ok("Asked; the shop decides.", "CancelAnswer"), **shopper_errors},
        ),
        Operation(
            "post", "/track/{token}/return-request", "shopper_return_request", "shoppers",
            "Ask for a return within the withdrawal period",
            request_model="ReturnRequestIn", form=True, parameters=(TOKEN,),
            answers={"201": ok("Asked.", "RequestCreated"),
                     "200": ok("Asked before.", "RequestCreated"), **shopper_errors},
        ),
        Operation(
            "post", "/track/{token}/issues", "shopper_issue", "shoppers",
            "Report a damaged, missing or wrong item, or a parcel that never came",
            request_model="IssueIn", form=True, parameters=(TOKEN,),
            answers={"201": ok("Reported.", "IssueCreated"),
                     "200": ok("Reported before.", "IssueCreated"), **shopper_errors},
        ),
        Operation(
            "post", "/orders/{order_id}/cancellation/decline", "decline_cancellation",
            "merchants", "Decline the shopper's cancellation request, with a reason",
            merchant=True, request_model="DeclineIn", parameters=(ORDER_ID,), answers=decline,
        ),
        Operation(
            "post", "/orders/{order_id}/return-requests/{request_id}/approve",
            "approve_return_request", "merchants",
            "Approve a return request: it becomes a tracked return",
            merchant=True, request_model="ApproveReturnIn", parameters=(ORDER_ID, request_id),
            answers={"201": ok("Approved.", "ReturnApproved"),
                     "200": ok("Approved before.", "ReturnApproved"),
                     **BODY_ERRORS, **NOT_FOUND, **CONFLICT, **MERCHANT_ERRORS},
        ),
        Operation(
            "post", "/orders/{order_id}/return-requests/{request_id}/decline",
            "decline_return_request", "merchants", "Decline a return request, with a reason",
            merchant=True, request_model="DeclineIn", parameters=(ORDER_ID, request_id),
            answers=decline,
        ),
    ]  # fmt: skip


def page_operations() -> list[Operation]:
    pages = {
        "404": page("The same page for every unknown or malformed token."),
        "5XX": page("Something failed on Kargo's side."),
    }
    return [
        Operation(
            "get",
            "/t/{token}",
            "tracking_page",
            "pages",
            "The tracking page for people",
            parameters=(TOKEN, LANG, ACCEPT_LANGUAGE),
            answers={"200": page("The page."), **pages},
        ),
        Operation(
            "get",
            "/t/{token}/unsubscribe",
            "unsubscribe_confirm",
            "pages",
            "Asks before turning e-mail off (a GET changes nothing)",
            parameters=(TOKEN, LANG),
            answers={"200": page("The question."), **pages},
        ),
        Operation(
            "post",
            "/t/{token}/unsubscribe",
            "unsubscribe",
            "pages",
            "One-click unsubscribe (RFC 8058): e-mail off",
            request_schema={"type": "string"},
            parameters=(TOKEN, LANG),
            answers={
                "200": page("Done."),
                "413": page("The body is over 256 KiB."),
                **pages,
            },
        ),
        Operation(
            "get",
            "/t/{token}/preferences",
            "preferences_page",
            "pages",
            "The notification settings page",
            parameters=(
                TOKEN,
                LANG,
                query_parameter("saved", {"type": "string"}, "`1`: show 'saved'."),
            ),
            answers={"200": page("The page."), **pages},
        ),
    ]


def meta_operations() -> list[Operation]:
    return [
        Operation(
            "get",
            "/openapi.json",
            "openapi_document",
            "meta",
            "This document",
            answers={
                "200": Answer(
                    "OpenAPI 3.1.",
                    (Body(media_type=JSON, schema={"type": "object"}),),
                )
            },
        )
    ]


def poll_operations() -> list[Operation]:
    """The polled carriers (chalicelib/poll/): the merchant's refresh."""
    queued = {
        "type": "object",
        "required": ["refresh", "carrier", "tracking_number"],
        "properties": {
            "refresh": {"const": "queued"},
            "carrier": {"type": "string"},
            "tracking_number": {"type": "string"},
        },
    }
    return [
        Operation(
            "post",
            "/shipments/{carrier}/{tracking_number}/refresh",
            "refresh_shipment",
            "merchants",
            "Poll a shipment of a polled carrier now",
            "Kargo asks the carrier within seconds; what it learns shows on the order and "
            "notifies like any update. 409 for a carrier that posts webhooks (not polled) "
            "and for a shipment with a final status (no longer polled).",
            merchant=True,
            parameters=(
                path_parameter("carrier", "^[a-z0-9_-]{1,32}$", "yurtici", "The carrier slug."),
                path_parameter(
                    "tracking_number",
                    "^[A-Za-z0-9 -]{4,64}$",
                    "YT123456789TR",
                    "Case, spaces and dashes do not count.",
                ),
            ),
            answers={
                "202": Answer("Queued.", (Body(media_type=JSON, schema=queued),)),
                **NOT_FOUND,
                **CONFLICT,
                **MERCHANT_ERRORS,
            },
        )
    ]


# --- the merchant console and carrier statistics ------------------------------------------

_FIGURES: dict[str, Any] = {
    "delivered": {"type": "integer", "minimum": 1},
    "on_time_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
    "exception_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
    "transit_days_p50": {"type": ["integer", "null"], "minimum": 0},
    "transit_days_p90": {"type": ["integer", "null"], "minimum": 0},
}
CARRIER_STATS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["days", "carriers"],
    "properties": {
        "days": {"enum": [30, 90]},
        "carriers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "carrier": {"type": "string"},
                    "carrier_name": {"type": "string"},
                    **_FIGURES,
                    "cities": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}, **_FIGURES},
                        },
                    },
                },
            },
        },
    },
}


def console_operations() -> list[Operation]:
    """The console's pages answer people in HTML; without a session, 303 to sign in."""
    to_sign_in = Answer(
        "No session: to the sign-in page (after a post: where it leads).",
        headers={"Location": {"schema": {"type": "string"}, "description": "A path."}},
    )
    pages = {"303": to_sign_in, "404": page("Not found."), "5XX": page("A failure on our side.")}
    posted = {**pages, "403": page("The form's CSRF token is missing or wrong.")}
    request_id = path_parameter("request_id", r"^[A-Za-z0-9_-]{1,64}$", "req_1", "A request.")
    decision = path_parameter("decision", r"^(approve|decline)$", "approve", "What was decided.")
    return [
        Operation(
            "get", "/stats/carriers", "carrier_statistics", "merchants",
            "Carrier figures over 30 or 90 days, per carrier and destination city",
            "Shares from 0 to 1 (null without an estimate to judge by); transit in Turkish "
            "business days. Carriers and cities without a delivery in the period are left out.",
            merchant=True,
            parameters=(query_parameter("days", {"enum": ["30", "90"]}, "The period."),),
            answers={
                "200": Answer(
                    "The figures.", (Body(media_type=JSON, schema=CARRIER_STATS_SCHEMA),)
                ),
                "400": error("`validation_error`: days is not 30 or 90."),
                **MERCHANT_ERRORS,
            },
        ),
        Operation("get", "/console", "console_overview", "console", "The overview",
                  parameters=(LANG,), answers={"200": page("The page."), **pages}),
        Operation("get", "/console/login", "console_login_page", "console", "The sign-in form",
                  parameters=(LANG,), answers={"200": page("The form."), **pages}),
        Operation(
            "post", "/console/login", "console_login", "console",
            "Sign in with the merchant key (a form post)",
            request_schema={"type": "string"}, form=True,
            answers={
                "303": to_sign_in, "401": page("The key is wrong."),
                "403": page("The form's CSRF token is missing or wrong."),
                "429": page("Too many failed sign-ins: `Retry-After` says when to try again."),
                "5XX": page("A failure on our side."),
            },
        ),
        Operation("post", "/console/logout", "console_logout", "console",
                  "Sign out: the session ends on the server too",
                  request_schema={"type": "string"}, form=True, answers=posted),
        *(
            Operation("get", f"/console/{name}", f"console_{name}", "console", summary,
                      parameters=(LANG,), answers={"200": page("The page."), **pages})
            for name, summary in (
                ("delayed", "The delayed work list, longest delayed first"),
                ("search", "Search by order id or tracking number"),
                ("requests", "The requests inbox"),
                ("carriers", "Carrier performance over 30 or 90 days"),
                ("ratings", "Ratings and the low ones"),
            )
        ),
        Operation("get", "/console/orders/{order_id}", "console_order", "console",
                  "An order: shipments, timelines, notifications, requests",
                  parameters=(ORDER_ID, LANG), answers={"200": page("The page."), **pages}),
        Operation(
            "post", "/console/orders/{order_id}/requests/{request_id}/{decision}",
            "console_decide_request", "console", "Approve or decline a shopper's request",
            request_schema={"type": "string"}, form=True,
            parameters=(ORDER_ID, request_id, decision), answers=posted,
        ),
    ]  # fmt: skip


def operations() -> list[Operation]:
    return [
        *webhook_operations(),
        *merchant_operations(),
        *poll_operations(),
        *shopper_operations(),
        *self_service_operations(),
        *page_operations(),
        *meta_operations(),
        *console_operations(),
    ]


# --- the document --------------------------------------------------------------------


def model_classes() -> dict[str, tuple[type[Any], str]]:
    """Every model the document names: name -> (class, JSON Schema mode)."""
    from pydantic import BaseModel

    from chalicelib.after_sale import RefundIn, ReturnIn
    from chalicelib.api import responses
    from chalicelib.api.models import OrderIn, ShipmentIn
    from chalicelib.carriers.generic import GenericPayload
    from chalicelib.feedback import FeedbackIn
    from chalicelib.preferences import PreferencesIn

    requests: dict[str, tuple[type[Any], str]] = {
        model.__name__: (model, "validation")
        for model in (OrderIn, ShipmentIn, ReturnIn, RefundIn, FeedbackIn, PreferencesIn)
    }
    requests["GenericPayload"] = (GenericPayload, "validation")
    from chalicelib.shopper.self_service import ApproveReturnIn, DeclineIn, IssueIn, ReturnRequestIn

    for model in (ReturnRequestIn, IssueIn, DeclineIn, ApproveReturnIn):
        requests[model.__name__] = (model, "validation")
    answers = {
        name: (model, "serialization")
        for name, model in vars(responses).items()
        if isinstance(model, type)
        and issubclass(model, BaseModel)
        and model.__module__ == responses.__name__
        and model not in (responses.View, responses.ClosedView)
    }
    return requests | answers


def component_schemas() -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    classes = model_classes()
    keyed = [(model, mode) for model, mode in classes.values()]
    _, definitions = models_json_schema(keyed, ref_template=REF)  # type: ignore[arg-type]
    schemas: dict[str, Any] = definitions.get("$defs", {})
    missing = set(classes) - set(schemas)
    if missing:  # pragma: no cover - pydantic names a model by its class name
        raise RuntimeError(f"models without a schema: {sorted(missing)}")
    return dict(sorted(schemas.items()))


def _content(body: Body) -> dict[str, Any]:
    schema = {"$ref": REF.format(model=body.model)} if body.model else body.schema
    return {"schema": schema}


def _operation_object(operation: Operation) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": operation.operation_id + _id_suffix(operation),
        "tags": [operation.tag],
        "summary": operation.summary,
    }
    if operation.description:
        document["description"] = operation.description
    if operation.parameters:
        document["parameters"] = list(operation.parameters)
    if operation.merchant:
        document["security"] = [{"merchantKey": []}]
    if operation.request_model or operation.request_schema:
        schema = (
            {"$ref": REF.format(model=operation.request_model)}
            if operation.request_model
            else operation.request_schema
        )
        content = {JSON: {"schema": schema}}
        if operation.form:
            content[FORM] = {"schema": schema}
        if operation.request_schema == {"type": "string"}:
            content = {"text/plain": {"schema": schema}}
        document["requestBody"] = {"required": True, "content": content}
    responses: dict[str, Any] = {}
    for status, answer in operation.answers.items():
        entry: dict[str, Any] = {"description": answer.description}
        if answer.bodies:
            entry["content"] = {body.media_type: _content(body) for body in answer.bodies}
        if answer.headers:
            entry["headers"] = answer.headers
        responses[status] = entry
    document["responses"] = responses
    return document


def _id_suffix(operation: Operation) -> str:
    """One view serves the four webhook paths; operation ids must stay unique."""
    if operation.operation_id == "receive_webhook":
        return "_" + operation.path.rsplit("/", 1)[1]
    return ""


def build_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations():
        paths.setdefault(operation.path, {})[operation.method] = _operation_object(operation)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Kargo",
            "version": API_VERSION,
            "summary": "Order tracking: carrier webhooks in, shopper notifications out.",
            "description": (
                'Every error body is `{"error": {"code", "message", "details"?}}`. '
                "No client input produces a 5xx, and a 5xx never carries a stack trace. "
                "A path not listed here answers `404 not_found`; a listed path called with "
                "a method it does not take answers `405 method_not_allowed` with an `Allow` "
                "header. Validation messages name the field and what it should look like."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "carriers", "description": "Tracking webhooks, signed per source."},
            {"name": "merchants", "description": "`Authorization: Bearer <merchant key>`."},
            {"name": "shoppers", "description": "The tracking token is the credential."},
            {"name": "pages", "description": "HTML for people."},
            {"name": "meta", "description": "About the API itself."},
        ],
        "paths": paths,
        "components": {
            "schemas": component_schemas(),
            "responses": {
                "NotFound": {
                    "description": "`not_found`: any path this document does not list.",
                    "content": {JSON: {"schema": {"$ref": REF.format(model="ErrorBody")}}},
                },
                "MethodNotAllowed": {
                    "description": "`method_not_allowed`: a listed path, another method.",
                    "headers": {
                        "Allow": {
                            "description": "The methods the path takes.",
                            "schema": {"type": "string", "examples": ["GET"]},
                        }
                    },
                    "content": {JSON: {"schema": {"$ref": REF.format(model="ErrorBody")}}},
                },
            },
            "securitySchemes": {
                "merchantKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`KARGO_MERCHANT_API_KEY`, compared in constant time.",
                }
            },
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the document (default) or, with `--check`, fail when it is stale."""
    args = list(sys.argv[1:] if argv is None else argv)
    text = render(build_document())
    targets = (PACKAGE_DOCUMENT, ROOT_DOCUMENT)
    if "--check" in args:
        stale = [str(p) for p in targets if not p.exists() or p.read_text("utf-8") != text]
        for name in stale:
            print(f"stale: {name} (run `make openapi`)", file=sys.stderr)
        return 1 if stale else 0
    for path in targets:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

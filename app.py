"""Kargo's routes and Lambda entry points: wiring only, each a call into chalicelib."""

from __future__ import annotations

from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import (
    check_body_limits,
    contract_errors,
    json_response,
    query_param,
    read_model,
    require_merchant,
)
from chalicelib.api.routing import KargoChalice
from chalicelib.clock import utc_now
from chalicelib.observability import observed

# Chalice, plus a contract-shaped 405 for each method a declared path does not take.
app = KargoChalice(app_name="kargo")


def current_request() -> Request:
    request = app.current_request
    assert request is not None  # Chalice sets it for every HTTP invocation
    return request


# Content types are checked by `check_body_limits`, so that a wrong one gets the
# contract's 415 body rather than Chalice's own.
ANY_CONTENT = ["*/*"]


# --- carriers ----------------------------------------------------------------


@app.route("/webhooks/{source}", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def receive_webhook(source: str) -> Response:
    from chalicelib.ingress import accept_webhook, is_platform_ping

    request = current_request()
    if is_platform_ping(source, request.raw_body, dict(request.headers)):
        return json_response({"ping": True}, 200)  # WooCommerce's form-encoded check
    raw = check_body_limits(request)
    accept_webhook(source, raw, dict(request.headers), request.query_params or {}, utc_now())
    return json_response({"accepted": True}, 202)


# --- merchants -----------------------------------------------------------------


@app.route("/orders", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def create_order() -> Response:
    from chalicelib.api.models import OrderIn
    from chalicelib.orders import register_order

    require_merchant(current_request())
    status, body = register_order(read_model(current_request(), OrderIn), utc_now())
    return json_response(body, status)


@app.route("/orders/{order_id}/shipments", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def create_shipment(order_id: str) -> Response:
    from chalicelib.api.models import ShipmentIn
    from chalicelib.orders import add_shipment

    require_merchant(current_request())
    status, body = add_shipment(order_id, read_model(current_request(), ShipmentIn), utc_now())
    return json_response(body, status)


@app.route("/orders/{order_id}", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def get_order(order_id: str) -> Response:
    from chalicelib.orders import order_view

    require_merchant(current_request())
    return json_response(order_view(order_id))


@app.route("/orders/{order_id}/notifications", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def get_notifications(order_id: str) -> Response:
    from chalicelib.orders import notifications_view

    require_merchant(current_request())
    return json_response(notifications_view(order_id, utc_now()))


@app.route("/orders/{order_id}/cancel", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def cancel_order(order_id: str) -> Response:
    from chalicelib.after_sale import cancel_order as cancel

    require_merchant(current_request())
    return json_response(cancel(order_id, utc_now()))


@app.route("/orders/{order_id}/returns", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def create_return(order_id: str) -> Response:
    from chalicelib.after_sale import ReturnIn, register_return

    require_merchant(current_request())
    request = read_model(current_request(), ReturnIn)
    status, body = register_return(order_id, request, utc_now())
    return json_response(body, status)


@app.route(
    "/orders/{order_id}/returns/{return_id}/refund", methods=["POST"], content_types=ANY_CONTENT
)
@contract_errors
def refund_return(order_id: str, return_id: str) -> Response:
    from chalicelib.after_sale import RefundIn
    from chalicelib.after_sale import refund_return as refund

    require_merchant(current_request())
    request = read_model(current_request(), RefundIn)
    return json_response(refund(order_id, return_id, request, utc_now()))


@app.route("/shipments", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def list_shipments() -> Response:
    from chalicelib.after_sale import delayed_list_request, delayed_shipments

    request = current_request()
    require_merchant(request)
    cursor, limit = delayed_list_request(request.query_params or {})
    return json_response(delayed_shipments(cursor, limit))


# --- polled carriers (chalicelib/poll/) --------------------------------------------


@app.route(
    "/shipments/{carrier}/{tracking_number}/refresh", methods=["POST"], content_types=ANY_CONTENT
)
@contract_errors
def refresh_shipment(carrier: str, tracking_number: str) -> Response:
    from chalicelib.poll.refresh import request_refresh

    require_merchant(current_request())
    return json_response(request_refresh(carrier, tracking_number, utc_now()), 202)


@app.lambda_function(name="poll_carriers")
def poll_carriers(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every minute (EventBridge): ask the carriers about what came due."""
    from chalicelib.poll.runner import run_scheduled, scheduled_time

    return run_scheduled(utc_now(), scheduled_time(event))


@app.lambda_function(name="poll_requested")
def poll_requested(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The poll-request queue (first polls, refreshes): ask those shipments now."""
    from chalicelib.poll.runner import handle_poll_requests

    return handle_poll_requests(event, utc_now())


# --- shoppers ------------------------------------------------------------------


@app.route("/track/{token}", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def track(token: str) -> Response:
    from chalicelib.tracking import tracking_view

    request = current_request()
    view = tracking_view(
        token, query_param(request, "lang"), request.headers.get("accept-language"), utc_now()
    )
    return json_response(view, headers={"Cache-Control": "private, no-store"})


# The page and its forms answer people in HTML (chalicelib/shopper/web.py); the
# outer `contract_errors` is only a last resort.


@app.route("/t/{token}", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def tracking_page(token: str) -> Response:
    from chalicelib.shopper.web import tracking_page_response

    return tracking_page_response(token, current_request(), utc_now())


@app.route("/t/{token}/unsubscribe", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def unsubscribe_confirm(token: str) -> Response:
    from chalicelib.shopper.web import unsubscribe_confirm_response

    return unsubscribe_confirm_response(token, current_request())


@app.route("/t/{token}/unsubscribe", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def unsubscribe(token: str) -> Response:
    from chalicelib.shopper.web import unsubscribe_response

    return unsubscribe_response(token, current_request())


@app.route("/t/{token}/preferences", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def preferences_page(token: str) -> Response:
    from chalicelib.shopper.web import preferences_page_response

    return preferences_page_response(token, current_request(), utc_now())


@app.route("/track/{token}/feedback", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def rate_delivery(token: str) -> Response:
    from chalicelib.shopper.web import feedback_response

    return feedback_response(token, current_request(), utc_now())


@app.route("/track/{token}/preferences", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def set_notification_preferences(token: str) -> Response:
    from chalicelib.shopper.web import preferences_response

    return preferences_response(token, current_request(), utc_now())


# --- the shopper's self-service (chalicelib/shopper/self_service.py) ----------------


@app.route("/track/{token}/cancel", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def shopper_cancel(token: str) -> Response:
    from chalicelib.shopper.requests_web import cancel_response

    return cancel_response(token, current_request(), utc_now())


@app.route("/track/{token}/return-request", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def shopper_return_request(token: str) -> Response:
    from chalicelib.shopper.requests_web import return_request_response

    return return_request_response(token, current_request(), utc_now())


@app.route("/track/{token}/issues", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def shopper_issue(token: str) -> Response:
    from chalicelib.shopper.requests_web import issue_response

    return issue_response(token, current_request(), utc_now())


@app.route("/orders/{order_id}/cancellation/decline", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def decline_cancellation(order_id: str) -> Response:
    from chalicelib.shopper.self_service import DeclineIn
    from chalicelib.shopper.self_service import decline_cancellation as decline

    require_merchant(current_request())
    return json_response(decline(order_id, read_model(current_request(), DeclineIn), utc_now()))


@app.route(
    "/orders/{order_id}/return-requests/{request_id}/approve",
    methods=["POST"],
    content_types=ANY_CONTENT,
)
@contract_errors
def approve_return_request(order_id: str, request_id: str) -> Response:
    from chalicelib.shopper.self_service import ApproveReturnIn, approve_return

    require_merchant(current_request())
    approval = read_model(current_request(), ApproveReturnIn)
    status, body = approve_return(order_id, request_id, approval, utc_now())
    return json_response(body, status)


@app.route(
    "/orders/{order_id}/return-requests/{request_id}/decline",
    methods=["POST"],
    content_types=ANY_CONTENT,
)
@contract_errors
def decline_return_request(order_id: str, request_id: str) -> Response:
    from chalicelib.shopper.self_service import DeclineIn, decline_return

    require_merchant(current_request())
    decline = read_model(current_request(), DeclineIn)
    return json_response(decline_return(order_id, request_id, decline, utc_now()))


# --- the API described ----------------------------------------------------------


@app.route("/openapi.json", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def openapi_document() -> Response:
    from chalicelib.api.openapi import published_document_text

    return Response(
        body=published_document_text(),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


# --- the merchant console and carrier statistics (chalicelib/console, chalicelib/stats) ---
# Pages answer people in HTML (chalicelib/console/web.py); `contract_errors` is a last resort.


@app.route("/stats/carriers", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def carrier_statistics() -> Response:
    from chalicelib.stats.views import carrier_stats_json, parse_period

    request = current_request()
    require_merchant(request)
    return json_response(carrier_stats_json(parse_period(query_param(request, "days")), utc_now()))


@app.route("/console", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def console_overview() -> Response:
    from chalicelib.console.web import overview_page

    return overview_page(current_request(), utc_now())


@app.route("/console/login", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def console_login_page() -> Response:
    from chalicelib.console.web import login_page

    return login_page(current_request(), utc_now())


@app.route("/console/login", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def console_login() -> Response:
    from chalicelib.console.web import login

    return login(current_request(), utc_now())


@app.route("/console/logout", methods=["POST"], content_types=ANY_CONTENT)
@contract_errors
def console_logout() -> Response:
    from chalicelib.console.web import logout

    return logout(current_request(), utc_now())


@app.route("/console/delayed", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def console_delayed() -> Response:
    from chalicelib.console.web import delayed_page

    return delayed_page(current_request(), utc_now())


@app.route("/console/search", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def console_search() -> Response:
    from chalicelib.console.web import search_page

    return search_page(current_request(), utc_now())


@app.route("/console/requests", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def console_requests() -> Response:
    from chalicelib.console.web import requests_page

    return requests_page(current_request(), utc_now())


@app.route("/console/carriers", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def console_carriers() -> Response:
    from chalicelib.console.web import carriers_page

    return carriers_page(current_request(), utc_now())


@app.route("/console/ratings", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def console_ratings() -> Response:
    from chalicelib.console.web import ratings_page

    return ratings_page(current_request(), utc_now())


@app.route("/console/orders/{order_id}", methods=["GET"], content_types=ANY_CONTENT)
@contract_errors
def console_order(order_id: str) -> Response:
    from chalicelib.console.web import order_page

    return order_page(current_request(), utc_now(), order_id)


@app.route(
    "/console/orders/{order_id}/requests/{request_id}/{decision}",
    methods=["POST"],
    content_types=ANY_CONTENT,
)
@contract_errors
def console_decide_request(order_id: str, request_id: str, decision: str) -> Response:
    from chalicelib.console.web import decide_request

    return decide_request(current_request(), utc_now(), order_id, request_id, decision)


# --- Lambda entry points (event sources are wired in infra/) -------------------


@app.lambda_function(name="consume_webhooks")
@observed("consumer")
def consume_webhooks(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.ingest import handle_sqs_batch

    return handle_sqs_batch(event)


@app.lambda_function(name="notify_changes")
@observed("notifier")
def notify_changes(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.notify.dispatch import handle_stream_batch

    return handle_stream_batch(event)


@app.lambda_function(name="deliver_merchant_webhooks")
@observed("merchant-webhook")
def deliver_merchant_webhooks(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.shop_events.webhooks import handle_delivery_batch

    return handle_delivery_batch(event)


@app.lambda_function(name="scan_shipments")
@observed("scan")
def scan_shipments(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.scan import scan_due_shipments

    # Stop before the Lambda timeout; what is left stays due for the next run.
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return scan_due_shipments(utc_now(), remaining)


@app.lambda_function(name="whatsapp_receipts")
def whatsapp_receipts(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.notify.receipts import handle_receipts

    return handle_receipts(event, utc_now())

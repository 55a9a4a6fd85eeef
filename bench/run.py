"""`make bench`: cold start, AWS calls per operation, consumer throughput, lookup
latency and cost, measured in one run; prints a table and writes bench/results.json.

    python -m bench.run [--quick] [--skip-latency] [--output PATH]

Timings are for this machine and moto, so only the ratios travel; nothing
here is asserted in a test. See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.calls import measure_calls
from bench.coldstart import measure_cold_start
from bench.cost import estimate
from bench.latency import measure_lookup_latency
from bench.polling import measure_polling, render_polling
from bench.scan import measure_scan, render_scan
from bench.state_write import measure_state_write, render_state_write
from bench.throughput import measure_throughput
from chalicelib.clock import utc_now

RESULTS = Path(__file__).resolve().parent / "results.json"
CALL_ROWS = (
    "merchant: register an order (1 shipment)",
    "ingress: one webhook (HTTP -> SQS)",
    "consumer: webhook with a new status",
    "consumer: new event, same status",
    "consumer: unregistered shipment",
    "consumer: webhook redelivered",
    "consumer: 50-event history, first time",
    "consumer: 50-event history, repeated",
    "lookup: GET /track/{token}",
    "notifier: one change, e-mail + SMS",
    "notifier: per message sent",
)
SHORT_NAMES = {
    "dynamodb.GetItem": "GetItem",
    "dynamodb.Query": "Query",
    "dynamodb.PutItem": "PutItem",
    "dynamodb.UpdateItem": "UpdateItem",
    "dynamodb.TransactWriteItems": "TransactWrite",
    "dynamodb.BatchGetItem": "BatchGet",
    "sqs.SendMessage": "SQS Send",
    "sesv2.SendEmail": "SES",
    "sns.Publish": "SNS",
    "events.PutEvents": "EventBridge",
}


def _step(name: str, work: Callable[[], Any]) -> Any:
    print(f"... {name}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = work()
    print(f"    done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return result


def run(quick: bool, skip_latency: bool) -> dict[str, Any]:
    results: dict[str, Any] = {
        "when": utc_now().isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "moto": _version("moto"),
            "boto3": _version("boto3"),
        },
    }
    results["cold_start"] = _step(
        "cold start (fresh interpreters)", lambda: measure_cold_start(5 if quick else 15)
    )
    results["calls"] = _step("AWS calls per operation (moto)", measure_calls)
    results["throughput"] = _step(
        "consumer throughput (moto)",
        lambda: measure_throughput(rounds=3 if quick else 10),
    )
    if not skip_latency:
        results["latency"] = _step(
            "lookup latency (local stack over HTTP)",
            lambda: measure_lookup_latency(100 if quick else 400),
        )
    results["polling"] = _step(
        "poller: carrier calls, AWS calls, writes (moto + fake carriers)",
        lambda: measure_polling((60,) if quick else (60, 600)),
    )
    results["state_write"] = _step("write units per state write", measure_state_write)
    results["scan"] = _step(
        "scan: due items per second, 8 ms per DynamoDB call",
        lambda: measure_scan(800 if quick else 3_200),
    )
    results["cost"] = estimate(results["calls"])
    from bench.console import measure_console

    results["console"] = _step("console reads at two table sizes (moto)", measure_console)
    from bench.backtest import backtest

    results["prediction"] = _step("delivery prediction backtest (generated year)", backtest)
    return results


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def render(results: dict[str, Any]) -> str:
    out: list[str] = []
    machine = results["machine"]
    out.append(
        f"Kargo benchmark  {results['when']}  Python {machine['python']}  "
        f"{machine['cpus']} CPUs  moto {machine['moto']}"
    )

    cold = results["cold_start"]
    out += ["", f"Cold start: fresh interpreter, median of {cold['runs']} runs each"]
    out.append(f"  {'':34}{'import':>10}{'process':>10}{'modules':>9}")
    for key in ("app", "baseline"):
        row = cold[key]
        out.append(
            f"  {row['statement']:34}{row['import_ms_median']:>8.1f}ms"
            f"{row['process_ms_median']:>8.1f}ms{row['modules']:>9}"
        )
    out.append(f"  {'ratio app / baseline (import)':34}{cold['app_over_baseline_import']:>9.2f}x")

    out += [
        "",
        "AWS calls per operation (moto; counted with botocore hooks on the pipeline's clients)",
    ]
    out.append(f"  {'operation':42}{'calls':>6}  {'RRU':>5} {'WRU+GSI':>8} {'code':>7}  made")
    for name in CALL_ROWS:
        usage = results["calls"][name]
        made = ", ".join(
            f"{SHORT_NAMES.get(call, call)}" + (f" x{n:g}" if n != 1 else "")
            for call, n in usage["calls"].items()
        )
        writes = f"{usage['write_units']:g}+{usage['index_write_units']:g}"
        out.append(
            f"  {name:42}{usage['total_calls']:>6g}  {usage['read_units']:>5g} {writes:>8} "
            f"{usage['code_ms']:>5.1f}ms  {made}"
        )

    flow = results["throughput"]
    out += [
        "",
        f"Consumer throughput (moto in-process, {flow['webhooks']} webhooks, "
        f"SQS batches of {flow['batch_size']})",
        f"  {'consumer (app.consume_webhooks)':38}"
        f"{flow['consumer_events_per_second']:>8.1f} events/s",
        f"  {'floor (one PutItem per webhook)':38}{flow['floor_events_per_second']:>8.1f} events/s",
        f"  {'consumer time / floor time':38}{flow['consumer_over_floor_time']:>8.2f}x",
    ]

    if "latency" in results:
        lat = results["latency"]
        out += ["", f"Lookup latency (make run stack over HTTP, {lat['runs']} sequential calls)"]
        out.append(f"  {'':44}{'p50':>8}{'p99':>9}")
        rows = (
            ("GET /track/{token}, new connection each", lat["lookup_new_connection_ms"]),
            ("GET /track/{token}, kept-alive connection*", lat["lookup_ms"]),
            ("bare BatchGetItem (state + order), same moto", lat["bare_read_ms"]),
            ("opening the sealed token (lookup adds this)", lat["open_token_ms"]),
        )
        for label, row in rows:
            out.append(f"  {label:44}{row['p50']:>6.2f}ms{row['p99']:>7.2f}ms")
        ratio = lat["lookup_over_bare_read"]
        out.append(
            f"  {'lookup (new conn) / bare read':44}{ratio['p50']:>7.2f}x{ratio['p99']:>8.2f}x"
        )
        out.append("  * chalice local + keep-alive: Nagle meets delayed ACK (~40 ms); not in AWS")

    cost = results["cost"]
    out += [
        "",
        f"Cost ({cost['prices_as_of']}; Lambda {cost['lambda_memory_gb']:g} GB, modelled time)",
    ]
    services = ("api_gateway", "lambda", "sqs", "dynamodb", "ses", "eventbridge")
    out.append(
        f"  {'USD per million webhooks':40}"
        + "".join(f"{s[:9]:>10}" for s in services)
        + f"{'total':>10}"
    )
    for name, bill in cost["per_million_webhooks_usd"].items():
        out.append(
            f"  {name:40}"
            + "".join(f"{bill.get(s, 0):>10.3f}" for s in services)
            + f"{bill['total']:>10.3f}"
        )
    ship = cost["per_tracked_shipment_usd"]
    out.append(
        f"  {'USD per tracked shipment (lifecycle)':40}"
        + "".join(f"{ship.get(s, 0) * 1e6:>10.1f}" for s in services)
        + f"{ship['total'] * 1e6:>10.1f}  (micro-USD)"
    )
    out.append(
        f"  = {cost['per_million_tracked_shipments_usd']:.0f} USD per million shipments; "
        + "lifecycle: "
        + ", ".join(f"{k} {v}" for k, v in cost["lifecycle"].items())
    )
    out.append(f"  not priced: {cost['not_priced']}")
    if "polling" in results:
        out += render_polling(results["polling"])
    if "console" in results:
        from bench.console import render as render_console

        out += render_console(results["console"])
    if "state_write" in results:
        out += render_state_write(results["state_write"])
    if "scan" in results:
        out += render_scan(results["scan"])
    if "prediction" in results:
        from bench.backtest import render as render_backtest

        out += render_backtest(results["prediction"])
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke test")
    parser.add_argument("--skip-latency", action="store_true", help="no local stack")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    results = run(args.quick, args.skip_latency)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(render(results))
    print(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

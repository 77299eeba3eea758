"""Latency of the Mango webhook against a trivial Odoo route, on the same server, same run.

    python3 bench/webhook.py --odoo http://127.0.0.1:PORT --key K --salt S [--calls 300]

Each call is a new incoming call's first `events/call` (a new journal row and a new call),
alternating with `GET /web/health`. Prints the median and p99 of both and their ratio.
"""
import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mango.emulator import incoming_call  # noqa: E402
from mango.signing import form_body  # noqa: E402


def timed(send):
    start = time.perf_counter()
    response = send()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{response.request.url} answered {response.status_code}")
    return elapsed


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--salt", required=True)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--path", default="events/call")
    args = parser.parse_args()
    session = requests.Session()
    base = args.odoo.rstrip("/")

    def webhook():
        path, payload = incoming_call(f"bench-{uuid.uuid4().hex}", "79161234567")[0]
        return session.post(f"{base}/mango/{path}", data=form_body(args.key, args.salt, payload))

    def trivial():
        return session.get(f"{base}/web/health")

    for _warmup in range(20):
        timed(webhook), timed(trivial)
    hook, health = [], []
    for _i in range(args.calls):
        hook.append(timed(webhook))
        health.append(timed(trivial))
    rows = [("events/call", hook), ("/web/health", health)]
    print(f"{'route':<14}{'median ms':>11}{'p99 ms':>10}")
    for name, values in rows:
        print(f"{name:<14}{statistics.median(values):>11.2f}{percentile(values, 0.99):>10.2f}")
    print(f"ratio events/call / web/health: median "
          f"{statistics.median(hook) / statistics.median(health):.1f}x, p99 "
          f"{percentile(hook, 0.99) / percentile(health, 0.99):.1f}x ({args.calls} requests each)")


if __name__ == "__main__":
    main()

"""Latency of the Mango webhook against a trivial Odoo route, on the same server, same run.

    python3 bench/webhook.py --odoo http://127.0.0.1:PORT --key K --salt S [--calls 300]
        [--emulator-port P --known 79161234567]

Each call is a new incoming call's first `events/call` (a new journal row and a new call),
alternating with `GET /web/health`. With --known (a caller whose salesperson has an
extension, routing on, the company's API address on the emulator at --emulator-port), a
third series measures the routing path. Prints median and p99 and the ratios.
"""
import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mango.emulator import MangoEmulator, incoming_call  # noqa: E402
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
    parser.add_argument("--known", help="a caller number routed to its salesperson")
    parser.add_argument("--emulator-port", type=int, default=0)
    args = parser.parse_args()
    session = requests.Session()
    base = args.odoo.rstrip("/")

    def webhook(caller):
        path, payload = incoming_call(f"bench-{uuid.uuid4().hex}", caller)[0]
        return session.post(f"{base}/mango/{path}", data=form_body(args.key, args.salt, payload))

    series = {"events/call": lambda: webhook("79990001122"),
              "/web/health": lambda: session.get(f"{base}/web/health")}
    emulator = None
    if args.known:
        emulator = MangoEmulator(args.key, args.salt, port=args.emulator_port).start()
        series["events/call routed"] = lambda: webhook(args.known)
    timings = {name: [] for name in series}
    for round_ in range(20 + args.calls):
        for name, send in series.items():
            elapsed = timed(send)
            if round_ >= 20:  # the first rounds warm up
                timings[name].append(elapsed)
    print(f"{'route':<20}{'median ms':>11}{'p99 ms':>10}")
    for name, values in timings.items():
        print(f"{name:<20}{statistics.median(values):>11.2f}{percentile(values, 0.99):>10.2f}")
    health = timings["/web/health"]
    for name in (n for n in timings if n.startswith("events")):
        print(f"ratio {name} / web/health: median "
              f"{statistics.median(timings[name]) / statistics.median(health):.1f}x, p99 "
              f"{percentile(timings[name], 0.99) / percentile(health, 0.99):.1f}x "
              f"({args.calls} requests each)")
    if emulator:
        time.sleep(3)
        print(f"the emulator received {len(emulator.requests_to('commands/route'))} "
              f"commands/route for {args.calls + 20} routed calls")
        emulator.stop()


if __name__ == "__main__":
    main()

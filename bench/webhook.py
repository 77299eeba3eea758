"""The webhook's path against a trivial route of the same Odoo server, in one run.

    python3 bench/webhook.py --odoo http://127.0.0.1:PORT --key K --salt S --log ODOO_LOG
        --emulator-port P --known 79161234567 [--calls 200] [--burst 20]

Odoo runs with ``-d <db>``, no database filter, ``--workers=2`` and werkzeug's log at INFO
in ODOO_LOG (its request lines carry the SQL statements of each request). The company's
API address is the emulator on P, routing is on and the caller --known has a salesperson
with an extension.

1. Calls one at a time: every notification of a known caller's answered, recorded call,
   each followed by ``GET /mango`` (a trivial public route of the addon). Prints p50 and
   p99 of each kind of notification against the trivial route, the statements each
   made, and the time from the first event's POST until the emulator got
   ``commands/route``.
2. A burst of --burst calls whose first events are posted at the same moment: p50 and
   p99 of those POSTs and of the time until each ``commands/route`` reached the emulator.
"""
import argparse
import re
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the protocol package and the emulators
from emulators.mango import MangoEmulator, incoming_call  # noqa: E402
from mango.signing import form_body  # noqa: E402

WARM_UP = 20
TRIVIAL = "GET /mango"
LOG_LINE = re.compile(r'"(?:GET|POST) \S+\?bench=(\S+) HTTP/[\d.]+" (\d+) \S+ (\d+) ')


def kind(index, path):
    if path == "events/call":
        return "events/call (first)" if index == 0 else "events/call (later)"
    return path


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Bench:
    def __init__(self, args):
        self.args = args
        self.base = args.odoo.rstrip("/")
        self.local = threading.local()
        self.timings = {}
        self.emulator = MangoEmulator(args.key, args.salt, port=args.emulator_port).start()
        self.emulator.notify_url = f"{self.base}/mango"  # result/route comes back, as from Mango

    def session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def timed(self, label, send, record=True):
        start = time.perf_counter()
        response = send()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{response.request.url} answered {response.status_code}")
        if record:
            self.timings.setdefault(label, []).append(elapsed)
        return elapsed

    def post(self, label, path, payload, record=True):
        tag = re.sub(r"\W+", "-", label)
        url = f"{self.base}/mango/{path}?bench={tag}"
        body = form_body(self.args.key, self.args.salt, payload)
        return self.timed(label, lambda: self.session().post(url, data=body, timeout=30), record)

    def trivial(self, record=True):
        return self.timed(TRIVIAL, lambda: self.session().get(
            f"{self.base}/mango?bench=trivial", timeout=30), record)

    def route_delay(self, leg, posted):
        """Milliseconds from the first event's POST until its commands/route reached Mango
        (the caller hears the greeting meanwhile: the call goes on only after it)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for request in self.emulator.requests_to("commands/route"):
                if request["payload"].get("call_id") == leg:
                    return (request["time"] - posted) * 1000
            time.sleep(0.002)
        raise SystemExit(f"no commands/route within 5 s for {leg}")

    def one_at_a_time(self):
        delays = []
        for number in range(WARM_UP + self.args.calls):
            record = number >= WARM_UP
            entry = f"bench-{uuid.uuid4().hex}"
            notifications = incoming_call(entry, self.args.known, recording_ref=f"{entry}-rec")
            for index, (path, payload) in enumerate(notifications):
                posted = time.time()
                self.post(kind(index, path), path, payload, record)
                if index == 0:
                    delay = self.route_delay(payload["call_id"], posted)
                    if record:
                        delays.append(delay)
                self.trivial(record)
        return delays

    def burst(self):
        calls = [incoming_call(f"burst-{uuid.uuid4().hex}", self.args.known)
                 for _ in range(self.args.burst)]
        barrier, delays = threading.Barrier(len(calls)), []

        def play(notifications):
            path, payload = notifications[0]
            barrier.wait()
            posted = time.time()
            self.post("burst: events/call (first)", path, payload)
            delays.append(self.route_delay(payload["call_id"], posted))
            for path, payload in notifications[1:]:
                self.post("burst: rest", path, payload, record=False)

        threads = [threading.Thread(target=play, args=(n,)) for n in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return delays

    def statements(self):
        """Median SQL statements per request of each kind, from Odoo's request log."""
        time.sleep(1)  # the workers write their last lines
        counts = {}
        for line in Path(self.args.log).read_text(errors="replace").splitlines():
            match = LOG_LINE.search(line)
            if match and match.group(2) == "200":
                counts.setdefault(match.group(1), []).append(int(match.group(3)))
        return {tag: statistics.median(values) for tag, values in counts.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--salt", required=True)
    parser.add_argument("--log", required=True, help="Odoo's log file (werkzeug at INFO)")
    parser.add_argument("--known", required=True, help="a caller routed to its salesperson")
    parser.add_argument("--emulator-port", type=int, required=True)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()
    bench = Bench(args)
    try:
        sequential_routes = bench.one_at_a_time()
        burst_routes = bench.burst()
        statements = bench.statements()
    finally:
        bench.emulator.stop()
    trivial = bench.timings[TRIVIAL]
    print(f"{args.calls} calls one at a time, then a burst of {args.burst} calls")
    print(f"{'request':<30}{'p50 ms':>8}{'p99 ms':>8}{'x p50':>7}{'x p99':>7}{'SQL':>5}")
    for label, values in bench.timings.items():
        tag = "trivial" if label == TRIVIAL else re.sub(r"\W+", "-", label)
        sql = statements.get(tag)
        print(f"{label:<30}{statistics.median(values):>8.1f}{percentile(values, 0.99):>8.1f}"
              f"{statistics.median(values) / statistics.median(trivial):>7.2f}"
              f"{percentile(values, 0.99) / percentile(trivial, 0.99):>7.2f}"
              f"{'' if sql is None else f'{sql:.0f}':>5}")
    for label, delays in (("one at a time", sequential_routes), ("burst", burst_routes)):
        print(f"commands/route at Mango after the webhook's POST, {label}: "
              f"p50 {statistics.median(delays):.0f} ms, p99 {percentile(delays, 0.99):.0f} ms")


if __name__ == "__main__":
    main()

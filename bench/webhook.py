"""The webhook against two floors of the same Odoo server, in one run.

    python3 bench/webhook.py --database DB --key K --salt S --log ODOO_LOG
        --emulator-port P --known 79161234567 [--calls 200] [--burst 20] [--workers 2]
        [--rate-calls 100] [--rate-workers 4] -- <odoo options>

It starts Odoo itself (``-d DB``, no database filter), with the options after ``--``; they
must include mango_office_bench in the addons path and ``--logfile=ODOO_LOG
--log-handler=werkzeug:INFO`` (werkzeug's request lines carry the SQL statements of each
request). The company's API address is the emulator on P, routing is on and the caller
--known has a salesperson with an extension. The floors are mango_office_bench's routes:
the *trivial* one (dispatch and ``SELECT 1``) and the *limit* one (what a journal-first
webhook cannot avoid, in plain SQL, see its docstring).

1. On --workers: calls one at a time, every notification of a known caller's answered,
   recorded call, each followed by one trivial request (the same form body) and one
   limit request (a first event of a new call): p50 and p99 of each kind against both
   floors, the statements of each, and the time from the first event's POST until the
   emulator got ``commands/route``.
2. A burst of --burst calls whose first events are posted at the same moment: p50 and
   p99 of those POSTs and of the time until each ``commands/route`` reached Mango; then
   the same with Mango slow (10 s): every webhook's answer, and every call logged.
3. Odoo started again on --rate-workers: the complete streams of --rate-calls calls from
   16 connections, against as many trivial requests: notifications per second.
4. Issue 15's targets, each PASS or MISS from the figures above.
"""
import argparse
import importlib.util
import re
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the protocol package and the emulators
from emulators.mango import MangoEmulator, incoming_call  # noqa: E402
from mango.signing import form_body  # noqa: E402

_spec = importlib.util.spec_from_file_location("live_workers", ROOT / "tests" / "live_workers.py")
live_workers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(live_workers)

WARM_UP = 20  # calls played before measuring
CONNECTIONS = 16
SLOW_MANGO = 10  # seconds Mango takes to answer commands/route in the slow burst
TRIVIAL, LIMIT = "trivial route", "limit route"
FIRST, LATER = "events/call (first)", "events/call (later)"
TRIVIAL_URL, LIMIT_URL = "/mango_office_bench/trivial", "/mango_office_bench/limit"
LOG_LINE = re.compile(r'"(?:GET|POST) \S+\?bench=(\S+) HTTP/[\d.]+" (\d+) \S+ (\d+) ')


def kind(index, path):
    if path == "events/call":
        return FIRST if index == 0 else LATER
    return path


def tag(label):
    return re.sub(r"\W+", "-", label)


def p50(values):
    return statistics.median(values)


def p99(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


class Bench(live_workers.Live):
    """Starts and stops Odoo as the live checks do (``start``, ``stop_server``,
    ``env_sql``), with the bench's company, emulator and workers."""

    def __init__(self, args):  # not Live's: its emulator and keys are the live checks'
        self.args, self.database, self.odoo_args = args, args.database, args.odoo_args
        self.workers, self.server = args.workers, None
        self.port = live_workers.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.local = threading.local()
        self.timings = {}
        self.run_ref = uuid.uuid4().hex[:8]
        self.emulator = MangoEmulator(args.key, args.salt, port=args.emulator_port).start()
        self.emulator.notify_url = f"{self.url}/mango"  # result/route comes back, as from Mango

    def session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def send(self, label, route, payload, record=True):
        """POST a signed form to ``route``; answers the milliseconds until its answer."""
        body = form_body(self.args.key, self.args.salt, payload)
        url = f"{self.url}{route}?bench={tag(label)}"
        start = time.perf_counter()
        response = self.session().post(url, data=body, timeout=60)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        if record:
            self.timings.setdefault(label, []).append(elapsed)
        return elapsed

    def post(self, label, path, payload, record=True):
        return self.send(label, f"/mango/{path}", payload, record)

    def call(self, prefix, recorded=False):
        entry = f"{prefix}-{self.run_ref}-{uuid.uuid4().hex[:12]}"
        return incoming_call(entry, self.args.known, recording_ref=recorded and f"{entry}-rec")

    def floors(self, payload, record):
        """One trivial request with the same form body, one limit request of a new call."""
        self.send(TRIVIAL, TRIVIAL_URL, payload, record)
        self.send(LIMIT, LIMIT_URL, self.call("limit")[0][1], record)

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
            for index, (path, payload) in enumerate(self.call("bench", recorded=True)):
                posted = time.time()
                self.post(kind(index, path), path, payload, record)
                if index == 0:
                    delay = self.route_delay(payload["call_id"], posted)
                    if record:
                        delays.append(delay)
                self.floors(payload, record)
        return delays

    def burst(self, prefix, routes=True):
        """--burst calls whose first events are posted at the same moment, each call's
        other notifications after its first: answers (milliseconds from each first event's
        POST until its commands/route reached Mango, unless not ``routes``; the
        milliseconds of the first events' answers; of all answers)."""
        calls = [self.call(prefix) for _ in range(self.args.burst)]
        barrier, delays, firsts, answers = threading.Barrier(len(calls)), [], [], []

        def play(notifications):
            barrier.wait()
            for index, (path, payload) in enumerate(notifications):
                posted = time.time()
                answers.append(self.post(prefix, path, payload, record=False))
                if index == 0:
                    firsts.append(answers[-1])
                    if routes:
                        delays.append(self.route_delay(payload["call_id"], posted))

        threads = [threading.Thread(target=play, args=(n,)) for n in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return delays, firsts, answers

    def not_slow(self):
        """Mango not known to be slow (as before a PBX first turns slow)."""
        self.env_sql("UPDATE res_company SET pbx_slow_until = NULL WHERE id = 1")

    def slow_burst(self):
        """The burst with Mango slow: every webhook's milliseconds, and the calls of the
        burst logged complete (answered, with their summary)."""
        self.emulator.delay("commands/route", SLOW_MANGO)
        self.not_slow()
        try:
            _delays, _firsts, answers = self.burst("slow", routes=False)
        finally:
            self.emulator.delay("commands/route", 0)
            self.not_slow()
        logged = self.env_sql(
            """SELECT count(*) FROM pbx_call WHERE entry_ref LIKE %s
                                              AND state = 'answered' AND summary_received""",
            (f"slow-{self.run_ref}-%",))[0][0]
        return answers, logged

    def on_connections(self, jobs):
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
            list(pool.map(lambda job: job(), jobs))
        return time.monotonic() - started

    def rate(self):
        """Odoo on --rate-workers: (notifications, their seconds, trivial requests' seconds)
        for the complete streams of --rate-calls calls from CONNECTIONS connections, and
        as many trivial requests."""
        self.stop_server()
        self.workers = self.args.rate_workers
        self.start()

        def stream(prefix):
            notifications = self.call(prefix, recorded=True)
            return len(notifications), lambda: [self.post("rate", *n, record=False)
                                                for n in notifications]

        def trivial(payload):
            return lambda: self.send("rate-trivial", TRIVIAL_URL, payload, record=False)

        payload = self.call("rate")[0][1]
        # every worker loads the registry and warms its caches first
        self.on_connections([stream("rate-warm")[1] for _ in range(CONNECTIONS)]
                            + [trivial(payload)] * 4 * CONNECTIONS)
        streams = [stream("rate") for _ in range(self.args.rate_calls)]
        count = sum(n for n, _job in streams)
        calls_seconds = self.on_connections([job for _n, job in streams])
        trivial_seconds = self.on_connections([trivial(payload)] * count)
        logged = self.env_sql("""SELECT count(*) FROM pbx_call WHERE entry_ref LIKE %s
                                                            AND state = 'answered'""",
                              (f"rate-{self.run_ref}-%",))[0][0]
        return count, calls_seconds, trivial_seconds, logged

    def statements(self):
        """Median SQL statements per request of each kind, from Odoo's request log."""
        time.sleep(1)  # the workers write their last lines
        counts = {}
        for line in Path(self.args.log).read_text(errors="replace").splitlines():
            match = LOG_LINE.search(line)
            if match and match.group(2) == "200":
                counts.setdefault(match.group(1), []).append(int(match.group(3)))
        return {label: statistics.median(values) for label, values in counts.items()}


def ratios(values, floor):
    return f"{p50(values) / p50(floor):.2f}/{p99(values) / p99(floor):.2f}"


def print_table(bench, statements):
    timings, args = bench.timings, bench.args
    print(f"{args.calls} calls one at a time on {args.workers} workers, each notification "
          "followed by one trivial and one limit request (ratios p50/p99)")
    print(f"{'request':<22}{'p50 ms':>8}{'p99 ms':>8}{'SQL':>5}{'x trivial':>11}{'x limit':>11}")
    for label in (TRIVIAL, LIMIT, FIRST, LATER, "events/summary", "events/recording",
                  "events/record/added"):
        values, sql = timings[label], statements.get(tag(label))
        print(f"{label:<22}{p50(values):>8.1f}{p99(values):>8.1f}"
              f"{'' if sql is None else f'{sql:.0f}':>5}{ratios(values, timings[TRIVIAL]):>11}"
              f"{ratios(values, timings[LIMIT]):>11}")


def print_targets(timings, burst_routes, slow_answers, logged, calls):
    """Issue 15's targets, each PASS or MISS from this run's figures (p50 ratios)."""
    def x(label, floor):
        return p50(timings[label]) / p50(timings[floor])

    later = {label: x(label, LIMIT) for label in (LATER, "events/recording",
                                                   "events/record/added")}
    targets = [
        ("first events/call ≤1.5x limit and ≤2x trivial (p50)",
         f"{x(FIRST, LIMIT):.2f}x limit, {x(FIRST, TRIVIAL):.2f}x trivial",
         x(FIRST, LIMIT) <= 1.5 and x(FIRST, TRIVIAL) <= 2),
        ("later/recording/record-added ≤1.5x limit",
         ", ".join(f"{label} {ratio:.2f}x" for label, ratio in later.items()),
         max(later.values()) <= 1.5),
        ("summary ≤2x limit", f"{x('events/summary', LIMIT):.2f}x",
         x("events/summary", LIMIT) <= 2),
        ("burst routes p99 ≤1 s", f"{p99(burst_routes):.0f} ms", p99(burst_routes) <= 1000),
        ("slow burst webhooks p99 ≤1 s, all logged",
         f"{p99(slow_answers):.0f} ms, {logged} of {calls} calls logged",
         p99(slow_answers) <= 1000 and logged == calls),
    ]
    print("issue 15's targets")
    for target, figures, met in targets:
        print(f"  {'PASS' if met else 'MISS'}  {target}: {figures}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--database", "--key", "--salt", "--known"):
        parser.add_argument(name, required=True)
    parser.add_argument("--log", required=True, help="Odoo's log file (werkzeug at INFO)")
    parser.add_argument("--emulator-port", type=int, required=True)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate-calls", type=int, default=100)
    parser.add_argument("--rate-workers", type=int, default=4)
    parser.add_argument("odoo_args", nargs="*")
    args = parser.parse_args()
    bench = Bench(args)
    try:
        bench.start()
        sequential_routes = bench.one_at_a_time()
        burst_routes, burst_posts, _answers = bench.burst("burst")
        slow_answers, logged = bench.slow_burst()
        statements = bench.statements()
        count, calls_seconds, trivial_seconds, rate_logged = bench.rate()
    finally:
        bench.stop()
    print_table(bench, statements)
    print(f"commands/route at Mango after the first event's POST, one at a time: "
          f"p50 {p50(sequential_routes):.0f} ms, p99 {p99(sequential_routes):.0f} ms")
    print(f"burst of {args.burst} first events at once on {args.workers} workers: the POSTs "
          f"p50 {p50(burst_posts):.0f} ms, p99 {p99(burst_posts):.0f} ms; commands/route at "
          f"Mango p50 {p50(burst_routes):.0f} ms, p99 {p99(burst_routes):.0f} ms")
    print(f"the same burst with Mango slow ({SLOW_MANGO} s), each call's stream after its "
          f"first event: {len(slow_answers)} webhooks p50 {p50(slow_answers):.0f} ms, "
          f"p99 {p99(slow_answers):.0f} ms, slowest {max(slow_answers):.0f} ms; "
          f"{logged} of {args.burst} calls logged")
    print(f"{args.rate_workers} workers, {CONNECTIONS} connections: {count} notifications of "
          f"{args.rate_calls} calls in {calls_seconds:.1f} s ({count / calls_seconds:.0f}/s), "
          f"as many trivial requests in {trivial_seconds:.1f} s "
          f"({count / trivial_seconds:.0f}/s): {trivial_seconds / calls_seconds:.2f}x the "
          f"trivial route's rate; {rate_logged} of {args.rate_calls} calls logged")
    print_targets(bench.timings, burst_routes, slow_answers, logged, args.burst)


if __name__ == "__main__":
    main()

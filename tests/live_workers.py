"""The webhook under ``--workers``, as in production: a real prefork Odoo on a database
where mango_office is installed, the Mango emulator, and real concurrent HTTP posts.

Run by ``scripts/test`` after Odoo's own test runner (which cannot start workers):

    python3 tests/live_workers.py --database DB -- <odoo options: addons path, db host...>

Checks, each printed as it passes or fails, then ``workers: N passed, N failed``:

1. every notification of many calls posted at once, in a shuffled order, on as many
   connections as the server's listen queue takes: every post 200, every one journaled
   and applied, the same calls as when posted one by one in order;
2. a worker killed while it sends a routing command leaves the call failed with a
   reason within two minutes (the route cron, in the cron worker);
3. a burst of calls on as many connections with Mango fast, then the same with Mango slow
   (10 s): every webhook answered as fast, but for the one attempt each worker makes
   before Mango is known to be slow; then Mango unreachable: every webhook answered within
   1 s; every call logged;
4. Binotel's retries and Odoo stopped for a minute then reconciled (``live_binotel.py``).
"""
import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]  # the protocol package and the emulators

from emulators.mango import MangoEmulator, incoming_call  # noqa: E402
from live_binotel import BinotelLive  # noqa: E402
from mango.signing import form_body  # noqa: E402

KEY, SALT = "live-vpbx-key", "live-vpbx-salt"
CALLS = 20
CONNECTIONS = 16
CALLER = "79169990011"
# the administrator's extension here; the test database's own tests give 101 to a rep
EXTENSION = "901"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Live:
    connections = CONNECTIONS

    def __init__(self, database, odoo_args, workers=2):
        self.database, self.odoo_args, self.workers = database, odoo_args, workers
        self.results = []
        self.emulator = MangoEmulator(KEY, SALT).start()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None

    # -- set-up ------------------------------------------------------------------------------

    def env_sql(self, query, params=()):
        """A query in its own transaction, straight to PostgreSQL (the PG* variables)."""
        import psycopg2
        with psycopg2.connect(dbname=self.database) as conn, conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None

    def rpc(self, model, method, *args, **kwargs):
        """A call as the administrator, over XML-RPC, like any external client."""
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.database, 2, "admin", model, method, list(args), kwargs)

    def configure(self):
        self.rpc("res.company", "write", [1], {"mango_api_key": KEY, "mango_api_salt": SALT,
                                               "mango_api_url": self.emulator.url,
                                               "mango_routing": True})
        self.rpc("ir.config_parameter", "set_param", "mango_office.route_stale_seconds", "5")
        self.env_sql("DELETE FROM pbx_extension WHERE company_id = 1 AND extension = %s "
                     "AND user_id != 2", (EXTENSION,))
        mine = self.rpc("pbx.extension", "search", [("company_id", "=", 1), ("user_id", "=", 2)])
        if mine:
            self.rpc("pbx.extension", "write", mine, {"extension": EXTENSION})
        else:
            self.rpc("pbx.extension", "create", {"company_id": 1, "user_id": 2,
                                                   "extension": EXTENSION})
        if not self.rpc("res.partner", "search", [("phone_sanitized", "=", "+" + CALLER)]):
            self.rpc("res.partner", "create", {"name": "Live Customer", "phone": "+" + CALLER,
                                               "user_id": 2})
        for table in ("pbx_event", "pbx_call"):  # an earlier run on this database
            self.env_sql(f"DELETE FROM {table} "
                         "WHERE entry_ref ~ '^(burst|order|killed|fast|slow|down)'")

    def start(self):
        # Odoo's launcher: --workers starts the gevent process as [python, argv[0], "gevent"]
        launcher = os.path.join(os.path.dirname(sys.executable), "odoo")
        odoo = [launcher] if os.path.isfile(launcher) else ["-m", "odoo"]
        args = [sys.executable, *odoo, "-d", self.database, f"--workers={self.workers}",
                "--max-cron-threads=1", f"--http-port={self.port}", "--http-interface=127.0.0.1",
                "--limit-time-real=120", "--log-level=warn", *self.odoo_args]
        self.log = open(os.environ.get("MANGO_LIVE_LOG", "/dev/null"), "a")  # noqa: SIM115
        self.server = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/web/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("Odoo with workers did not start")

    def stop(self):
        self.stop_server()
        self.emulator.stop()

    def stop_server(self):
        if self.server:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
            self.server = None

    # -- checks ------------------------------------------------------------------------------

    def run(self, name, checks, prepare=None):
        """Start Odoo, run each (title, check), stop; print ``name: N passed, N failed``
        and answer the exit status."""
        try:
            self.start()
            self.configure()
            if prepare:
                prepare()
            for title, check in checks:
                self.check(title, check)
        finally:
            self.stop()
        passed = sum(self.results)
        print(f"{name}: {passed} passed, {len(self.results) - passed} failed", flush=True)
        return 0 if passed == len(self.results) else 1

    def check(self, name, func):
        try:
            func()
        except Exception as error:  # noqa: BLE001 - reported as a failed check
            print(f"FAIL {name}: {error.__class__.__name__}: {error}", flush=True)
            self.results.append(False)
        else:
            print(f"ok   {name}", flush=True)
            self.results.append(True)

    def post(self, path, payload):
        return requests.post(f"{self.url}/mango/{path}", data=form_body(KEY, SALT, payload),
                             timeout=60).status_code

    def post_and_forget(self, path, payload):
        try:
            self.post(path, payload)
        except requests.RequestException:
            pass  # its worker is killed on purpose

    def calls(self, prefix):
        notifications = []
        for n in range(CALLS):
            notifications += incoming_call(f"{prefix}-{n}", f"7926{n:07d}",
                                           extension=EXTENSION,
                                           start=1767261600 + n, recording_ref=f"{prefix}-r{n}",
                                           answered=n % 3 != 0)
        return notifications

    def snapshot(self, prefix):
        return sorted(self.env_sql(
            """SELECT replace(c.entry_ref, %s, ''), c.state, c.direction, c.start_date,
                      c.answer_date, c.end_date, c.talk_time, c.extension, c.user_id,
                      c.disconnect_reason,
                      (SELECT array_agg(l.state || l.appeared_date ORDER BY l.appeared_date, l.id)
                         FROM pbx_call_leg l WHERE l.call_id = c.id),
                      (SELECT array_agg(r.state) FROM pbx_call_recording r
                        WHERE r.call_id = c.id),
                      (SELECT count(*) FROM pbx_event e WHERE e.entry_ref = c.entry_ref),
                      (SELECT count(*) FROM mail_message m  -- its notes in chatters
                        WHERE m.pbx_call_id = c.id AND m.model != 'pbx.call')
                 FROM pbx_call c WHERE c.entry_ref LIKE %s""", (prefix, prefix + "-%")))

    def burst_equals_order(self):
        burst = self.calls("burst")
        random.Random(CALLS).shuffle(burst)
        # As many connections at once as the server's listen queue takes (8 per worker);
        # in production a proxy queues the rest.
        with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
            statuses = list(pool.map(lambda notification: self.post(*notification), burst))
        assert statuses == [200] * len(burst), f"statuses {sorted(set(statuses))}"
        for notification in self.calls("order"):
            assert self.post(*notification) == 200
        journal = self.env_sql("""SELECT state, count(*) FROM pbx_event
                                   WHERE entry_ref LIKE 'burst-%%' GROUP BY state""")
        assert journal == [("processed", len(burst))], f"journal {journal}"
        burst_calls, ordered = self.snapshot("burst"), self.snapshot("order")
        assert len(burst_calls) == CALLS, f"{len(burst_calls)} calls"
        assert burst_calls == ordered, "the burst gave other calls than the same posts in order"

    def killed_worker_fails_the_route(self):
        self.emulator.delay("commands/route", 8)
        path, payload = incoming_call("killed", CALLER)[0]
        sender = threading.Thread(target=self.post_and_forget, args=(path, payload))
        sender.start()
        deadline = time.monotonic() + 30
        while not self.emulator.requests_to("commands/route"):
            assert time.monotonic() < deadline, "the route was never sent"
            time.sleep(0.1)
        status = self.env_sql("SELECT route_status FROM pbx_call WHERE entry_ref = 'killed'")
        assert status == [("pending",)], f"while sending: {status}"
        workers = subprocess.run(["pgrep", "-P", str(self.server.pid)], capture_output=True,
                                 text=True).stdout.split()
        for pid in workers:  # the master starts new ones, as after a crash or a recycle
            os.kill(int(pid), signal.SIGKILL)
        sender.join()
        started = time.monotonic()
        while time.monotonic() - started < 120:
            row = self.env_sql("SELECT route_status, route_error->>'reason' FROM pbx_call "
                               "WHERE entry_ref = 'killed'")
            if row[0][0] != "pending":
                break
            time.sleep(2)
        assert row[0][0] == "failed", f"still {row[0][0]} after 120 s"
        assert "No outcome of the routing command" in row[0][1], row[0][1]
        print(f"     failed with a reason {time.monotonic() - started:.0f} s after the kill",
              flush=True)

    def burst_of_calls(self, prefix):
        """Every notification of CALLS calls, each call's in order, on CONNECTIONS connections
        at once: answers the seconds each webhook took (each answered 200)."""
        answered, lock = [], threading.Lock()

        def play(notifications):
            for path, payload in notifications:
                started = time.monotonic()
                status = self.post(path, payload)
                with lock:
                    answered.append((time.monotonic() - started, status))

        calls = [incoming_call(f"{prefix}-{n}", CALLER, extension=EXTENSION) for n in range(CALLS)]
        with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
            list(pool.map(play, calls))
        assert {status for _seconds, status in answered} == {200}, "not all answered 200"
        seconds = sorted(seconds for seconds, _status in answered)
        p50, p99 = seconds[len(seconds) // 2], seconds[int(len(seconds) * 0.99)]
        print(f"     {prefix}: {len(seconds)} webhooks of {CALLS} calls at once: p50 "
              f"{p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, slowest {seconds[-1] * 1000:.0f} ms",
              flush=True)
        return seconds

    def slow_mango_never_slows_the_webhook(self):
        """The same burst of calls with Mango fast, then while Mango takes 10 s to answer a
        route, then calls while it is unreachable: every webhook answered as fast as with
        Mango fast, give or take the one attempt each worker makes before Mango is known to
        be slow (the worker's timeout, 0.3 s); every call logged."""
        self.emulator.delay("commands/route", 0)
        self.env_sql("UPDATE res_company SET pbx_slow_until = NULL WHERE id = 1")  # not known
        fast = self.burst_of_calls("fast")
        self.emulator.delay("commands/route", 10)
        self.env_sql("UPDATE res_company SET pbx_slow_until = NULL WHERE id = 1")  # not yet
        slow = self.burst_of_calls("slow")
        self.rpc("res.company", "write", [1], {"mango_api_url": "http://127.0.0.1:9/"})
        down = []
        try:
            for n in range(5):
                for path, payload in incoming_call(f"down-{n}", CALLER, extension=EXTENSION):
                    started = time.monotonic()
                    assert self.post(path, payload) == 200
                    down.append(time.monotonic() - started)
        finally:
            self.rpc("res.company", "write", [1], {"mango_api_url": self.emulator.url})
        print(f"     Mango unreachable: slowest webhook {max(down) * 1000:.0f} ms", flush=True)
        # a webhook waits at most for the attempt of each worker (0.3 s) that Mango is slow
        assert slow[-1] < fast[-1] + 2 * 0.5, \
            f"with Mango slow a webhook took {slow[-1]:.2f} s, {fast[-1]:.2f} s with Mango fast"
        assert max(down) < 1.0, f"with Mango unreachable a webhook took {max(down):.2f} s"
        logged = self.env_sql("""SELECT count(*) FROM pbx_call
                                  WHERE entry_ref ~ '^(slow|down)-' AND state = 'answered'""")
        assert logged == [(CALLS + 5,)], f"logged {logged}"

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("odoo_args", nargs="*")
    args = parser.parse_args()
    live = Live(args.database, args.odoo_args)
    binotel = BinotelLive(live)
    try:
        return live.run("workers", [
            (f"every notification of {CALLS} calls at once, shuffled, {CONNECTIONS} connections, "
             "--workers=2", live.burst_equals_order),
            ("a worker killed while routing leaves the call failed, with the reason",
             live.killed_worker_fails_the_route),
            (f"Mango slow (10 s) during a burst of {CALLS} calls, then unreachable: webhooks "
             "answered as with Mango fast",
             live.slow_mango_never_slows_the_webhook),
            *binotel.checks()], prepare=binotel.prepare)
    finally:
        binotel.stop()


if __name__ == "__main__":
    sys.exit(main())

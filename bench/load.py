"""Load and faults on a real prefork Odoo, with the Mango emulator as Mango.

    python3 bench/load.py --database DB [--calls 200] [--workers 4] -- <odoo options>

1. The complete notification streams of --calls calls, every notification posted twice,
   all shuffled together, on 16 connections at once: every post answered 200, exactly
   --calls calls with the states they get in order, no ERROR in Odoo's log.
2. 100 calls played by 8 connections while Odoo is stopped for 20 s in the middle and
   started again; then Reconcile (the settings' button, over XML-RPC) for the period,
   against the emulator's statistics: every call of the window in the log exactly once,
   with its summary.

Prints what it measured; exits 1 when a check fails.
"""
import argparse
import importlib.util
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the protocol package and the emulators
from emulators.mango import incoming_call, stats_row  # noqa: E402

_spec = importlib.util.spec_from_file_location("live_workers", ROOT / "tests" / "live_workers.py")
live_workers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(live_workers)


def stream(prefix, count, start):
    calls = []
    for n in range(count):
        calls.append(incoming_call(f"{prefix}-{n}", f"7927{n:07d}",
                                   extension=live_workers.EXTENSION,
                                   start=start + n, answered=n % 4 != 0,
                                   recording_ref=f"{prefix}-r{n}" if n % 2 else None))
    return calls


class Load(live_workers.Live):
    def post_or_none(self, path, payload):
        try:
            return self.post(path, payload)
        except requests.RequestException:
            return None  # Odoo is down: Mango would not send it again either

    def twice_shuffled(self, calls):
        notifications = [n for call in calls for n in call] * 2
        random.Random(7).shuffle(notifications)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=live_workers.CONNECTIONS) as pool:
            statuses = list(pool.map(lambda n: self.post(*n), notifications))
        elapsed = time.monotonic() - started
        print(f"     {len(notifications)} posts in {elapsed:.1f} s "
              f"({len(notifications) / elapsed:.0f}/s) on {self.workers} workers", flush=True)
        assert statuses == [200] * len(notifications), f"statuses {sorted(set(statuses))}"
        rows = self.env_sql("""SELECT state, count(*) FROM pbx_call
                                WHERE entry_ref LIKE 'load-%%' GROUP BY state ORDER BY state""")
        expected = sorted({"answered": sum(1 for n in range(len(calls)) if n % 4),
                           "missed": sum(1 for n in range(len(calls)) if not n % 4)}.items())
        assert rows == expected, f"calls {rows}, expected {expected}"
        errors = self.env_sql("""SELECT count(*) FROM pbx_event
                                  WHERE entry_ref LIKE 'load-%%' AND state = 'error'""")
        assert errors == [(0,)], f"{errors[0][0]} notifications in error"

    def stopped_mid_burst(self, calls):
        self.emulator.stats.extend(stats_row(call) for call in calls)
        notifications = [n for call in calls for n in call]
        lost, lock = [], threading.Lock()

        def play(notification):
            if self.post_or_none(*notification) is None:
                with lock:
                    lost.append(notification)

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(play, n) for n in notifications[:len(notifications) // 3]]
            for future in futures:
                future.result()
            self.stop_server()
            down = time.monotonic()
            restart = threading.Timer(20, self.start)
            restart.start()
            for future in [pool.submit(play, n) for n in notifications[len(notifications) // 3:]]:
                future.result()
            restart.join()
        print(f"     Odoo down {time.monotonic() - down:.0f} s: {len(lost)} of "
              f"{len(notifications)} notifications never reached it", flush=True)
        incomplete = self.env_sql("""SELECT count(*) FROM pbx_call
                                      WHERE entry_ref LIKE 'down-%%' AND summary_received""")
        print(f"     before the reconciliation: {incomplete[0][0]} of {len(calls)} calls "
              "complete", flush=True)
        first = datetime.fromtimestamp(calls[0][0][1]["timestamp"], timezone.utc)
        settings = self.rpc("res.config.settings", "create", {
            "mango_reconcile_from": (first - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S"),
            "mango_reconcile_to": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")})
        started = time.monotonic()
        self.rpc("res.config.settings", "action_mango_reconcile", [settings])
        rows = self.env_sql("""SELECT count(*), count(DISTINCT entry_ref),
                                      count(*) FILTER (WHERE summary_received)
                                 FROM pbx_call WHERE entry_ref LIKE 'down-%%'""")
        print(f"     reconciled in {time.monotonic() - started:.0f} s: {rows[0][0]} calls, "
              f"{rows[0][1]} distinct, {rows[0][2]} with their summary", flush=True)
        assert rows == [(len(calls), len(calls), len(calls))], f"calls {rows}"

    def log_errors(self):
        log = Path(self.log.name)
        errors = [line for line in log.read_text(errors="replace").splitlines()
                  if " ERROR " in line or line.startswith("Traceback")] if log.is_file() else []
        assert not errors, f"{len(errors)} errors in Odoo's log, first: {errors[0][:300]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("odoo_args", nargs="*")
    args = parser.parse_args()
    load = Load(args.database, args.odoo_args, workers=args.workers)
    start = int(time.time()) - 600

    def forget_earlier_runs():
        for table in ("pbx_event", "pbx_call"):
            load.env_sql(f"DELETE FROM {table} WHERE entry_ref ~ '^(load|down)-'")

    return load.run("load", [
        (f"{args.calls} calls, every notification twice, shuffled, --workers={args.workers}",
         lambda: load.twice_shuffled(stream("load", args.calls, start))),
        ("Odoo stopped 20 s mid-burst, restarted, reconciled: every call once",
         lambda: load.stopped_mid_burst(stream("down", 100, int(time.time()) - 300))),
        ("no ERROR in Odoo's log", load.log_errors)], prepare=forget_earlier_runs)

if __name__ == "__main__":
    sys.exit(main())

"""Binotel's requests under ``--workers``, beside Mango's (``live_workers.py`` runs these
checks on the same server): a second company, on the Binotel emulator, whose requests come
from 127.0.0.1.

1. every call's completed request posted by Binotel several times at once (its retries,
   ``attemptsCounter`` 1, 2, ...), with callSettings asked meanwhile: every request answered
   success, callSettings within the call's first second; each call once, with its note, its
   recording and its talk time, the same as the calls posted once, in order;
2. Odoo stopped for a minute while calls go on (one of them cut between its pushes), then
   started and reconciled from the settings, then Binotel's next attempts arrive: every
   call of Binotel's statistics once in the call log, with its note and recording.
"""
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import requests

from emulators.binotel import COMPANY, BinotelEmulator, encode, incoming_call

KEY, SECRET = "live-binotel-key", "live-binotel-secret"
CALLER = "0671230011"  # as Binotel writes a Ukrainian mobile number
CUSTOMER = "Live Клієнт"
EXTENSION = "901"
CALLS = 6
ATTEMPTS = 4  # Binotel's attempts at each completed request, posted at once
ASKED = 8  # callSettings requests posted during the burst
PREFIXES = ("bretry", "border", "bdown")


def completed(call):
    """The call's completed request, its last."""
    return call[-1]


def attempt(request, counter):
    path, data = request
    return path, {**data, "attemptsCounter": str(counter)}


class BinotelLive:
    """The Binotel company of a ``Live`` server and its checks."""

    def __init__(self, live):
        self.live = live
        self.emulator = BinotelEmulator(KEY, SECRET).start()
        self.company_id = None

    @property
    def webhook(self):
        return f"{self.live.url}/binotel"

    def checks(self):
        return [
            (f"{CALLS} Binotel calls, each completed request posted {ATTEMPTS} times at once, "
             f"callSettings asked {ASKED} times meanwhile", self.retries_are_one_call),
            ("Odoo stopped for a minute during Binotel's calls, then reconciled: every call "
             "once", self.stopped_and_reconciled)]

    def stop(self):
        self.emulator.stop()

    # -- set-up ------------------------------------------------------------------------------

    def prepare(self):
        live = self.live
        for table in ("pbx_event", "pbx_call"):  # an earlier run on this database
            live.env_sql(f"DELETE FROM {table} WHERE entry_ref ~ %s",
                         ("^(" + "|".join(PREFIXES) + ")-",))
        values = {"pbx_provider": "binotel", "binotel_api_url": self.emulator.url,
                  "binotel_api_key": KEY, "binotel_api_secret": SECRET,
                  "binotel_company_ref": COMPANY,
                  "binotel_allowed_ips": "127.0.0.1"}
        found = live.rpc("res.company", "search", [("binotel_company_ref", "=", COMPANY)])
        if found:
            self.company_id = found[0]
            live.rpc("res.company", "write", found, values)
        else:
            ukraine = live.rpc("res.country", "search", [("code", "=", "UA")])[0]
            self.company_id = live.rpc("res.company", "create", {
                "name": "ТОВ «Лайв»", "country_id": ukraine, **values})
        live.rpc("res.users", "write", [2], {"company_ids": [(4, self.company_id)]})
        context = {"allowed_company_ids": [self.company_id]}
        if not live.rpc("pbx.extension", "search", [("company_id", "=", self.company_id)],
                        context=context):
            live.rpc("pbx.extension", "create", {"company_id": self.company_id, "user_id": 2,
                                                 "extension": EXTENSION}, context=context)
        if not live.rpc("res.partner", "search", [("phone_sanitized", "=", "+38" + CALLER)]):
            live.rpc("res.partner", "create", {"name": CUSTOMER, "phone": "+38" + CALLER,
                                               "user_id": 2})

    # -- posting as Binotel ------------------------------------------------------------------

    def post(self, request):
        """One request as Binotel posts it; answers (seconds it took, status, JSON body)."""
        path, data = request
        started = time.monotonic()
        response = requests.post(f"{self.webhook}/{path}", data=encode(data), timeout=60,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        return time.monotonic() - started, response.status_code, response.json()

    def calls(self, prefix, start=None):
        return [incoming_call(f"{prefix}-{n}", CALLER, extension=EXTENSION,
                              start=start or 1767261600 + n, talk_seconds=20 + n,
                              answered=n % 3 != 2)
                for n in range(CALLS)]

    def recorded(self, prefix, calls=CALLS):
        """Wait until the recordings of the prefix's calls are downloaded (the recordings'
        cron, in the cron worker); answers how many are."""
        deadline = time.monotonic() + 90
        while True:
            rows = self.live.env_sql(
                """SELECT r.fetch_state, count(*) FROM pbx_call_recording r
                     JOIN pbx_call c ON c.id = r.call_id
                    WHERE c.entry_ref LIKE %s GROUP BY r.fetch_state""", (prefix + "-%",))
            states = dict(rows)
            if not states.get("queued") or time.monotonic() > deadline:
                return states.get("done", 0)
            time.sleep(1)

    def answered_calls(self, prefix):
        return [call for call in self.calls(prefix)
                if completed(call)[1]["callDetails"]["disposition"] == "ANSWER"]

    # -- checks ------------------------------------------------------------------------------

    def retries_are_one_call(self):
        live, calls = self.live, self.calls("bretry")
        for call in calls:
            self.emulator.keep_in_stats(call)  # its files, for the recordings' cron
        with ThreadPoolExecutor(max_workers=CALLS) as pool:  # the pushes, each call's in order
            answers = list(pool.map(lambda call: [self.post(r)[1:] for r in call[:-1]], calls))
        assert all(answer == [(200, {"status": "success"})] * len(answer)
                   for answer in answers), f"pushes answered {answers}"
        burst = [("completed", attempt(completed(call), counter))
                 for call in calls for counter in range(1, ATTEMPTS + 1)]
        burst += [("asked", ("settings", {"requestType": "apiCallSettings",
                                          "externalNumber": CALLER, "pbxNumber": "0441234567",
                                          "companyID": COMPANY, "callType": "0"}))] * ASKED
        random.Random(CALLS).shuffle(burst)
        with ThreadPoolExecutor(max_workers=live.connections) as pool:
            answers = list(pool.map(lambda item: (item[0], *self.post(item[1])), burst))
        done = [(status, body) for kind, _s, status, body in answers if kind == "completed"]
        assert done == [(200, {"status": "success"})] * len(done), \
            f"completed answered {sorted(map(str, done))[:3]}"
        asked = [(seconds, status, body) for kind, seconds, status, body in answers
                 if kind == "asked"]
        names = {(status, body.get("customerData", {}).get("name")) for _s, status, body in asked}
        assert names == {(200, CUSTOMER)}, f"callSettings answered {names}"
        slowest = max(seconds for seconds, _status, _body in asked)
        print(f"     callSettings during the burst: slowest {slowest * 1000:.0f} ms", flush=True)
        assert slowest < 1.0, f"callSettings answered in {slowest:.2f} s"
        for call in self.calls("border"):
            self.emulator.keep_in_stats(call)
            assert all(self.post(request)[1] == 200 for request in call)
        retried, ordered = live.snapshot("bretry"), live.snapshot("border")
        assert len(retried) == CALLS, f"{len(retried)} calls of {CALLS}"
        assert retried == ordered, \
            f"the retries gave other calls than one post each:\n{retried}\n{ordered}"
        notes = {row[-1] for row in retried}
        assert notes == {1}, f"notes per call: {notes}"
        for prefix in ("bretry", "border"):
            got = self.recorded(prefix)
            assert got == len(self.answered_calls(prefix)), f"{prefix}: {got} recordings"

    def stopped_and_reconciled(self):
        """Odoo stops (as for an upgrade) while a call is going on; calls go on for a minute,
        Binotel's first attempt at each request failing; Odoo starts again and the
        administrator reconciles the last hour; Binotel's next attempts then arrive."""
        live, t0 = self.live, int(time.time())
        calls = self.calls("bdown", start=t0)
        first, cut, *lost = calls
        assert all(self.post(request)[1] == 200 for request in first)
        self.emulator.keep_in_stats(first)
        ringing = [request for request in cut[:-1] if request[1]["requestType"] !=
                   "hangupTheCall"]
        assert all(self.post(request)[1] == 200 for request in ringing)
        live.stop_server()
        stopped = time.monotonic()
        undelivered = 0
        for call in [cut[len(ringing):], *lost]:
            self.emulator.keep_in_stats(call)
            for request in call:
                try:
                    self.post(request)
                except requests.ConnectionError:
                    undelivered += 1
        assert undelivered == sum(map(len, lost)) + len(cut) - len(ringing), undelivered
        time.sleep(max(0, float(os.environ.get("MANGO_LIVE_DOWNTIME", 60))
                       - (time.monotonic() - stopped)))
        live.start()
        state = live.env_sql("SELECT state FROM pbx_call WHERE entry_ref = 'bdown-1'")
        assert state == [("talking",)], f"the cut call before reconciling: {state}"
        self.reconcile(datetime.fromtimestamp(t0, timezone.utc) - timedelta(minutes=5))
        for call in [cut, *lost]:  # Binotel's next attempt at each call (10 minutes later)
            assert self.post(attempt(completed(call), 2))[1] == 200
        rows = live.snapshot("bdown")
        assert [row[0] for row in rows] == [f"-{n}" for n in range(CALLS)], rows
        summary = live.env_sql(
            """SELECT count(*) FILTER (WHERE NOT summary_received),
                      count(*) FILTER (WHERE state NOT IN ('answered', 'missed'))
                 FROM pbx_call WHERE entry_ref LIKE 'bdown-%%'""")
        assert summary == [(0, 0)], f"calls without their summary, not ended: {summary}"
        assert {row[-1] for row in rows} == {1}, f"notes per call: {[r[-1] for r in rows]}"
        journal = live.env_sql("""SELECT entry_ref, count(*) FROM pbx_event
                                   WHERE entry_ref LIKE 'bdown-%%' AND path = 'completed'
                                   GROUP BY entry_ref HAVING count(*) != 1""")
        assert not journal, f"completed journaled more than once: {journal}"
        got = self.recorded("bdown")
        assert got == len(self.answered_calls("bdown")), f"{got} recordings"

    def reconcile(self, since):
        """The administrator asks for a reconciliation in the settings once the one Odoo
        started by itself (hourly, at its start) has ended; the cron worker runs it."""
        live = self.live
        self.reconciled()
        context = {"allowed_company_ids": [self.company_id]}
        settings = live.rpc("res.config.settings", "create", {
            "mango_reconcile_from": since.strftime("%Y-%m-%d %H:%M:%S")}, context=context)
        answer = live.rpc("res.config.settings", "action_mango_reconcile", [settings],
                          context=context)
        assert answer["params"]["type"] == "info", answer["params"]
        recovered = self.reconciled()
        print(f"     reconciled: {recovered} calls recovered", flush=True)
        assert recovered == CALLS - 1, f"{recovered} calls recovered"

    def reconciled(self):
        """Wait until the company's running reconciliation ends; answers what it
        recovered."""
        deadline = time.monotonic() + 120
        while True:
            row = self.live.env_sql(
                """SELECT mango_reconciling_to IS NULL, mango_reconciliation_error,
                          mango_reconciliation_recovered
                     FROM res_company WHERE id = %s""", (self.company_id,))[0]
            if row[0]:
                break
            assert time.monotonic() < deadline, "the reconciliation did not end in 2 minutes"
            time.sleep(1)
        assert not row[1], f"the reconciliation failed: {row[1]}"
        return row[2]

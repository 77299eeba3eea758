import random
import threading
import time
from unittest.mock import patch

from odoo import api
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged

from ..mango.signing import dumps
from ..models.pbx_call import PbxCall
from ..models.pbx_event import MAX_TRIES
from .common import forget_committed_calls
from .emulators.mango import incoming_call

ENTRY = "E-concurrent-test"


@tagged("post_install", "-at_install")
class TestConcurrentNotifications(TransactionCase):
    """Notifications processed at the same time in separate, committed transactions.

    HttpCase serialises its requests on one test cursor, so this drives what the
    controller calls from real concurrent PostgreSQL transactions, retried the way
    Odoo's HTTP layer retries them.
    """

    def setUp(self):
        super().setUp()
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        forget_committed_calls(self.registry, ENTRY + "%")

    def receive_concurrently(self, notifications):
        """Each (path, payload) in its own thread and transaction, all released at once
        (kept in ``self.threads``)."""
        company_id = self.env.company.id
        barrier = threading.Barrier(len(notifications), timeout=30)
        errors = []

        def receive(path, payload):
            raw = dumps(payload)
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    company = env["res.company"].browse(company_id)
                    barrier.wait()
                    retrying(lambda: env["pbx.event"]._receive(company, path, raw), env)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = self.threads = [threading.Thread(target=receive, args=n)
                                  for n in notifications]
        random.Random(len(notifications)).shuffle(threads)
        # The test runner holds the registry lock that new environments take.
        with patch.object(Registry, "_lock", DummyRLock()):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertEqual(errors, [])

    def committed(self, query):
        with self.registry.cursor() as cr:
            cr.execute(query, [ENTRY + "%"])
            return cr.fetchall()

    def unprocessed(self):
        return self.committed("SELECT path, state, error FROM pbx_event "
                              "WHERE entry_ref LIKE %s AND state != 'processed' ORDER BY id")

    def others_queued(self):
        """How many of the other live threads wait for a lock, or left their row waiting
        for its call, and how many other threads live."""
        with self.registry.cursor() as cr:
            cr.execute("""SELECT (SELECT count(*) FROM pg_stat_activity
                                   WHERE datname = current_database()
                                     AND wait_event_type = 'Lock')
                               + (SELECT count(*) FROM pbx_event
                                   WHERE entry_ref LIKE %s AND state = 'waiting')""",
                       [ENTRY + "%"])
            queued = cr.fetchone()[0]
        return queued, sum(thread.is_alive() for thread in self.threads) - 1

    def holding_each_call(self):
        """Each notification that has its call keeps it until all the other ones wait
        for it: the worst case of a burst, every turn with all the others queued."""
        lock = PbxCall._pbx_lock

        def held(model, *args, **kwargs):
            call, created = lock(model, *args, **kwargs)
            deadline = time.monotonic() + 30
            while call and time.monotonic() < deadline:
                queued, others = self.others_queued()
                if queued >= others:
                    break
                time.sleep(0.02)
            return call, created

        return patch.object(PbxCall, "_pbx_lock", held)

    def test_thirty_copies_of_one_notification(self):
        notification = incoming_call(ENTRY, "79161234567")[0]
        self.receive_concurrently([notification] * 30)
        self.assertEqual(self.committed("SELECT count(*) FROM pbx_call WHERE entry_ref LIKE %s"),
                         [(1,)])
        self.assertEqual(self.committed("SELECT count(*) FROM pbx_event WHERE entry_ref LIKE %s"),
                         [(1,)])

    def test_a_whole_call_arriving_at_once(self):
        notifications = incoming_call(ENTRY, "79161234567", extension="101", recording_ref="RC")
        self.receive_concurrently(notifications * 2)
        self.assertEqual(
            self.committed("SELECT state, summary_received FROM pbx_call WHERE entry_ref LIKE %s"),
            [("answered", True)])
        self.assertEqual(self.committed(
            "SELECT count(*) FROM pbx_event WHERE entry_ref LIKE %s"), [(len(notifications),)])
        self.assertEqual(self.committed(
            """SELECT count(*) FROM pbx_call_leg l JOIN pbx_call c ON c.id = l.call_id
               WHERE c.entry_ref LIKE %s"""), [(2,)])

    def test_many_calls_all_at_once_equal_the_same_calls_one_by_one(self):
        """Every notification of 5 calls released at the same instant, then the same calls
        posted in order: the journal holds all of them and the calls are the same."""
        def calls(prefix):
            notifications = []
            for n in range(5):
                notifications += incoming_call(f"{ENTRY}-{prefix}{n}", f"7916123456{n}",
                                               extension="101", start=1767261600 + n,
                                               recording_ref=f"R{n}", answered=n % 2 == 0)
            return notifications

        burst = calls("burst")
        self.receive_concurrently(burst)
        for notification in calls("ordered"):
            self.receive_concurrently([notification])
        self.assertEqual(self.unprocessed(), [])
        self.assertEqual(self.committed(
            "SELECT count(*), count(*) FILTER (WHERE state = 'processed') FROM pbx_event "
            "WHERE entry_ref LIKE %s"), [(2 * len(burst), 2 * len(burst))])
        rows = self.committed(
            """SELECT replace(c.entry_ref, 'burst', 'ordered'), c.state, c.direction,
                      c.start_date, c.answer_date, c.end_date, c.talk_time, c.extension,
                      c.disconnect_reason,
                      (SELECT array_agg(l.state || l.appeared_date || l.extension
                                        ORDER BY l.appeared_date, l.extension)
                         FROM pbx_call_leg l WHERE l.call_id = c.id),
                      (SELECT array_agg(r.state ORDER BY r.recording_ref)
                         FROM pbx_call_recording r WHERE r.call_id = c.id)
                 FROM pbx_call c WHERE c.entry_ref LIKE %s""")
        by_entry = {}
        for row in rows:
            by_entry.setdefault(row[0], []).append(row[1:])
        self.assertEqual(len(by_entry), 5)
        for entry, (first, second) in by_entry.items():
            with self.subTest(entry=entry):
                self.assertEqual(first, second)
                self.assertIn(first[0], ("answered", "missed"))

    def test_a_call_s_notifications_each_waiting_for_all_the_others(self):
        """More notifications of one call than a notification has tries, each holding the
        call until all the others queue behind it: each is applied in its turn. (When a
        notification that waited for the call failed to serialise, each turn failed all
        the others, and the last ones were journaled as errors.)"""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["pbx.call"].create({"company_id": env.company.id, "entry_ref": ENTRY,
                                    "direction": "incoming"})
        digits = [("events/dtmf", {"entry_id": ENTRY, "call_id": f"{ENTRY}:ivr", "dtmf": str(n),
                                   "seq": n + 1, "location": "ivr", "timestamp": 1767261600 + n})
                  for n in range(MAX_TRIES + 2)]
        with self.holding_each_call():
            self.receive_concurrently(digits)
        self.assertEqual(self.unprocessed(), [])
        self.assertEqual(self.committed(
            "SELECT count(*) FROM pbx_event WHERE entry_ref LIKE %s AND state = 'processed'"),
            [(len(digits),)])

    def test_recordings_arriving_while_their_call_is_created(self):
        """The call's first notification holds the call it creates, not committed, until
        each recording of the call waits for it or is journaled as waiting for its call:
        all of them are applied to it."""
        notifications = incoming_call(ENTRY, "79161234567", extension="101", recording_ref="RC")
        recordings = [n for n in notifications if n[0].startswith("events/record")]
        self.assertEqual(len(recordings), 3)
        with self.holding_each_call():
            self.receive_concurrently(notifications[:1] + recordings)
        self.assertEqual(self.unprocessed(), [])
        self.assertEqual(self.committed(
            """SELECT r.recording_ref, r.state FROM pbx_call_recording r
               JOIN pbx_call c ON c.id = r.call_id WHERE c.entry_ref LIKE %s"""),
            [("RC", "ready")])

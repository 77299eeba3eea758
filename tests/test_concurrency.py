import random
import threading
from unittest.mock import patch

from odoo import api
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged

from ..mango.signing import dumps
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
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM pbx_event WHERE entry_ref LIKE %s", [ENTRY + "%"])
            cr.execute("DELETE FROM pbx_call WHERE entry_ref LIKE %s", [ENTRY + "%"])

    def receive_concurrently(self, notifications):
        """Each (path, payload) in its own thread and transaction, all released at once."""
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

        threads = [threading.Thread(target=receive, args=n) for n in notifications]
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

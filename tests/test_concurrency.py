import threading
from unittest.mock import patch

from odoo import api
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged

from ..mango import parse_notification
from ..mango.emulator import incoming_call
from ..mango.signing import dumps

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
            cr.execute("DELETE FROM mango_event WHERE entry_id LIKE %s", [ENTRY + "%"])
            cr.execute("DELETE FROM mango_call WHERE entry_id LIKE %s", [ENTRY + "%"])

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
                    retrying(lambda: env["mango.event"]._receive(
                        company, path, raw, parse_notification(path, raw)), env)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=receive, args=n) for n in notifications]
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
        self.assertEqual(self.committed("SELECT count(*) FROM mango_call WHERE entry_id LIKE %s"),
                         [(1,)])
        self.assertEqual(self.committed("SELECT count(*) FROM mango_event WHERE entry_id LIKE %s"),
                         [(1,)])

    def test_a_whole_call_arriving_at_once(self):
        notifications = incoming_call(ENTRY, "79161234567", extension="101", recording_id="RC")
        self.receive_concurrently(notifications * 2)
        self.assertEqual(
            self.committed("SELECT state, summary_received FROM mango_call WHERE entry_id LIKE %s"),
            [("answered", True)])
        self.assertEqual(self.committed(
            "SELECT count(*) FROM mango_event WHERE entry_id LIKE %s"), [(len(notifications),)])
        self.assertEqual(self.committed(
            """SELECT count(*) FROM mango_call_leg l JOIN mango_call c ON c.id = l.call_id
               WHERE c.entry_id LIKE %s"""), [(2,)])

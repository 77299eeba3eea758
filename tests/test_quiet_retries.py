import threading
import time
from unittest.mock import patch

from odoo import api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import TransactionCase, tagged

from ..mango.signing import dumps
from .common import forget_committed_calls

ENTRY = "E-quiet-retry"
COMMAND = "route-quiet-retry"


@tagged("post_install", "-at_install")
class TestQuietRetries(TransactionCase):
    """A notification that collides with another one of its call is tried again, and the
    administrator's log shows no error for it: the statement that fails to serialise is
    the row lock taken first, which does not log."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            self.call_id = env["pbx.call"].create({
                "company_id": env.company.id, "entry_ref": ENTRY, "direction": "incoming",
                "route_status": "sent", "route_command_ref": COMMAND}).id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM pbx_event WHERE payload LIKE %s", [f"%{COMMAND}%"])
        forget_committed_calls(self.registry, ENTRY)

    def waiting_for_a_lock(self):
        with self.registry.cursor() as cr:
            cr.execute("""SELECT count(*) FROM pg_stat_activity
                           WHERE datname = current_database() AND wait_event_type = 'Lock'""")
            return cr.fetchone()[0]

    def test_result_route_while_another_notification_holds_the_call(self):
        company_id = self.env.company.id
        raw = dumps({"command_id": COMMAND, "result": 1000})
        errors = []

        def receive():
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    env["pbx.event"]._receive(env["res.company"].browse(company_id),
                                              "result/route", raw)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        # the test runner holds the registry lock that new environments take
        with patch.object(Registry, "_lock", DummyRLock()), \
                self.assertNoLogs("odoo.sql_db", "ERROR"), \
                self.registry.cursor() as holder:
            # a notification of the same call changes its row and has not committed yet
            holder.execute("UPDATE pbx_call SET write_date = now() WHERE id = %s",
                           [self.call_id])
            thread = threading.Thread(target=receive)
            thread.start()
            deadline = time.monotonic() + 30
            while not self.waiting_for_a_lock() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertTrue(self.waiting_for_a_lock(), "result/route waits for the call")
            holder.commit()  # result/route now fails to serialise, and is tried again
            thread.join(timeout=60)
        self.assertEqual(errors, [])
        with self.registry.cursor() as cr:
            cr.execute("SELECT route_status, route_code FROM pbx_call WHERE id = %s",
                       [self.call_id])
            self.assertEqual(cr.fetchone(), ("routed", 1000))
            cr.execute("SELECT state FROM pbx_event WHERE payload LIKE %s", [f"%{COMMAND}%"])
            self.assertEqual(cr.fetchall(), [("processed",)])

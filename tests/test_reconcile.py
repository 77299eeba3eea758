import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..mango.emulator import incoming_call, outgoing_call, stats_row
from ..models import mango_reconciliation
from .common import MangoCase


@tagged("post_install", "-at_install")
class TestReconciliation(MangoCase):
    """Calls Mango knows and Odoo never heard of are recovered from Mango's statistics."""

    def reconcile(self, hours=2):
        now = fields.Datetime.now()
        with patch.object(mango_reconciliation, "POLL_SECONDS", 0.01):
            return self.as_cron("mango.reconciliation", "_mango_reconcile", self.company,
                                now - timedelta(hours=hours), now)

    def test_what_never_arrived_is_recovered_exactly_once(self):
        t0 = int(time.time()) - 1800
        delivered = incoming_call("K1", "79161234567", extension="101", start=t0)
        cut = incoming_call("K2", "79161234568", extension="102", start=t0 + 60,
                            answered=False)
        lost = incoming_call("K3", "79161234569", extension="101", start=t0 + 120,
                             recording_id="KR3")
        out = outgoing_call("K4", "101", "79161234560", start=t0 + 180)
        self.post_all(delivered)
        self.post_all(cut[:2])  # Odoo went down in the middle of this call
        self.emulator.stats.extend(stats_row(n) for n in (delivered, cut, lost, out))
        self.emulator.stats_not_ready = 2  # Mango answers 204 twice: polled again
        journal = self.journal()
        self.assertEqual(self.reconcile(), 3)
        self.assertEqual(len(self.emulator.requests_to("stats/result")), 3)
        self.assertRecordValues(self.calls("K1") | self.calls("K2") | self.calls("K3")
                                | self.calls("K4"), [
            {"entry_id": "K1", "state": "answered", "user_id": self.rep.id,
             "direction": "incoming"},
            {"entry_id": "K2", "state": "missed", "user_id": self.rep2.id,
             "direction": "incoming"},
            {"entry_id": "K3", "state": "answered", "user_id": self.rep.id,
             "direction": "incoming"},
            {"entry_id": "K4", "state": "answered", "user_id": self.rep.id,
             "direction": "outgoing"}])
        self.assertEqual(self.calls("K3").recording_ids.mapped("fetch_state"), ["queued"])
        self.assertEqual(self.calls("K2").activity_ids.user_id, self.rep2,
                         "a missed call recovered is called back like a live one")
        recovered = self.journal() - journal
        self.assertEqual(sorted(recovered.mapped("path")), [
            "reconciliation/record"] + ["reconciliation/summary"] * 3)
        self.assertEqual(set(recovered.mapped("state")), {"processed"})
        warning = self.env["mail.activity"].search([
            ("res_model", "=", "mango.call"),
            ("summary", "=", "Mango notifications did not reach Odoo")])
        self.assertEqual(warning.user_id, self.env.ref("base.user_admin"),
                         "the administrators are told, once")
        self.assertIn("3 calls", str(warning.note), "K1 arrived whole; K2, K3, K4 did not")
        self.assertIn(self.company._mango_webhook_url(), str(warning.note))
        self.assertEqual(self.reconcile(), 0, "a second run changes nothing")
        self.assertEqual(len(self.calls()), 4)
        self.assertTrue(self.company.mango_reconciliation_date)
        self.assertEqual(self.company.mango_reconciliation_recovered, 0)

    def test_live_notifications_after_the_recovery_do_not_make_a_second_call(self):
        t0 = int(time.time()) - 600
        late = incoming_call("K5", "79161234567", extension="101", start=t0)
        self.emulator.stats.append(stats_row(late))
        self.reconcile()
        self.post_all(late)
        self.assertEqual(len(self.calls("K5")), 1)
        self.assertEqual(self.calls("K5").state, "answered")

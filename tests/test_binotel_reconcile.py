"""Nothing lost while Odoo is down, on Binotel: the calls of its statistics the call log
lacks are recovered exactly once, hourly and from the settings, their recordings queued;
a call both posted and recovered is one call, one journal row, one note."""
import time
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common_binotel import BinotelHttpCase
from .emulators.binotel import incoming_call, outgoing_call

CALLER = "0671234567"
CALLER_E164 = "+380671234567"


@tagged("post_install", "-at_install", "binotel")
class TestBinotelReconcile(BinotelHttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.olena = cls.env["res.partner"].create({"name": "Олена Коваль", "phone": CALLER_E164,
                                                   "user_id": cls.rep.id})

    def reconcile(self, hours=2):
        """A reconciliation of the last ``hours`` as the administrator asks for it in the
        settings, run by the cron; answers what it recovered."""
        now = fields.Datetime.now()
        settings = self.env["res.config.settings"].with_user(self.admin).create({
            "mango_reconcile_from": now - timedelta(hours=hours), "mango_reconcile_to": now})
        started = settings.action_mango_reconcile()["params"]
        self.assertEqual(started["type"], "info")
        self.assertIn("Binotel's statistics of", started["message"])
        for _run in range(hours // 24 + 2):  # the cron's loop: one window a call
            self.as_cron("pbx.reconciliation", "_cron_reconcile")
        self.assertFalse(self.company.mango_reconciling_to, "the reconciliation ended")
        self.assertFalse(self.company.mango_reconciliation_error)
        done = self.env["bus.bus"].sudo().search([("message", "like", "simple_notification")],
                                                 order="id desc", limit=1).message
        self.assertIn("calls recovered from Binotel's statistics", done)
        return self.company.mango_reconciliation_recovered

    def stopped(self, *calls):
        """Binotel completed these calls while Odoo was stopped: nothing posted, all in its
        statistics (and their files in its storage)."""
        for requests in calls:
            self.binotel.keep_in_stats(requests)

    def notes(self):
        return self.olena.message_ids.filtered("pbx_call_id")

    def test_what_never_arrived_is_recovered_once_with_its_recording(self):
        t0 = int(time.time()) - 3600
        delivered = incoming_call("R-1", CALLER, extension="101", start=t0)
        cut = incoming_call("R-2", "0501112233", extension="102", start=t0 + 60,
                            answered=False)
        lost = incoming_call("R-3", CALLER, extension="101", start=t0 + 120)
        out = outgoing_call("R-4", "101", "0509998877", start=t0 + 180)
        self.binotel.keep_in_stats(delivered)
        self.post_binotel_all(delivered)
        self.post_binotel_all(cut[:1])  # Odoo stopped while this one rang
        self.stopped(cut, lost, out)
        journal = self.journal()
        self.assertEqual(self.reconcile(), 3)
        self.assertRecordValues(self.calls("R-1") | self.calls("R-2") | self.calls("R-3")
                                | self.calls("R-4"), [
            {"entry_ref": "R-1", "state": "answered", "user_id": self.rep.id,
             "summary_received": True},
            {"entry_ref": "R-2", "state": "missed", "user_id": self.rep2.id,
             "summary_received": True},
            {"entry_ref": "R-3", "state": "answered", "user_id": self.rep.id,
             "summary_received": True},
            {"entry_ref": "R-4", "state": "answered", "user_id": self.rep.id,
             "summary_received": True}])
        self.assertEqual(self.calls("R-4").direction, "outgoing")
        self.assertEqual(self.calls("R-3").partner_id, self.olena)
        self.assertAlmostEqual(self.calls("R-3").talk_time * 3600, 42, places=3)
        self.assertEqual(self.calls("R-3").recording_ids.mapped("fetch_state"), ["queued"])
        recovered = self.journal() - journal
        self.assertEqual(sorted(recovered.mapped("path")),
                         ["completed"] * 3 + ["reconciliation/record"] * 2)
        self.assertEqual(set(recovered.mapped("state")), {"processed"})
        warning = self.env["mail.activity"].search([
            ("res_model", "=", "pbx.call"),
            ("summary", "=", "Binotel requests did not reach Odoo")])
        self.assertEqual(warning.user_id, self.admin)
        self.assertIn("3 calls", str(warning.note))
        self.assertIn(f"{self.company.get_base_url()}/binotel/completed", str(warning.note))
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.assertEqual(self.calls("R-3").recording_ids.fetch_state, "done")
        notes = len(self.notes())
        self.assertEqual(self.reconcile(), 0, "a second run changes nothing")
        self.assertEqual(len(self.calls()), 4)
        self.assertEqual(len(self.journal()), len(journal) + len(recovered))
        self.assertEqual(len(self.notes()), notes)

    def test_a_call_recovered_then_posted_is_one_row_one_call_one_note(self):
        late = incoming_call("R-late", CALLER, extension="101", start=int(time.time()) - 600)
        self.stopped(late)
        self.assertEqual(self.reconcile(), 1)
        journal, notes = self.journal(), self.notes()
        self.assertEqual(len(notes), 1)
        path, completed = late[-1]
        retry = {**completed, "attemptsCounter": "3"}  # Binotel posts it again when Odoo is up
        self.post_binotel_all(late[:-1] + [(path, retry)])
        self.assertEqual(len(self.calls("R-late")), 1)
        self.assertEqual(self.calls("R-late").state, "answered")
        self.assertEqual((self.journal() - journal).mapped("path"), ["push"] * 3,
                         "the completed call is the row the reconciliation journaled")
        self.assertEqual(self.notes(), notes, "no second note of the call")

    def test_a_call_posted_then_reconciled_is_not_recovered(self):
        call = incoming_call("R-live", CALLER, extension="101", start=int(time.time()) - 600)
        self.binotel.keep_in_stats(call)
        self.post_binotel_all(call)
        journal, notes = self.journal(), self.notes()
        self.assertEqual(self.reconcile(), 0)
        self.assertEqual(self.journal(), journal)
        self.assertEqual(self.notes(), notes)

    def test_a_later_state_of_the_call_posted_after_changes_nothing(self):
        """Binotel's retry keeps the call as it was at its end (still uploading the file),
        the statistics have it uploaded by then: two rows, the second applied without
        change."""
        late = incoming_call("R-upl", CALLER, extension="101", start=int(time.time()) - 600)
        self.stopped(late)
        self.reconcile()
        call, notes = self.calls("R-upl"), self.notes()
        before = call.read(["state", "talk_time", "user_id", "end_date"])
        path, completed = late[-1]
        details = {**completed["callDetails"], "recordingStatus": "uploading"}
        self.post_binotel_all([(path, {**completed, "callDetails": details})])
        self.assertEqual(call.read(["state", "talk_time", "user_id", "end_date"]), before)
        self.assertRecordValues(call.recording_ids, [{"state": "ready",
                                                      "fetch_state": "queued"}])
        self.assertEqual(self.notes(), notes)
        self.assertEqual(notes.body, self.notes().body)

    def test_a_long_period_is_asked_a_day_at_a_time(self):
        now = int(time.time())
        self.stopped(incoming_call("R-old", CALLER, start=now - 40 * 3600),
                     incoming_call("R-new", CALLER, start=now - 3600))
        self.assertEqual(self.reconcile(hours=48), 2)
        periods = [(p["payload"]["startTime"], p["payload"]["stopTime"])
                   for p in self.binotel.requests_to("stats/list-of-calls-for-period")]
        self.assertEqual(len(periods), 2)
        self.assertTrue(all(stop - start <= 24 * 3600 for start, stop in periods))
        self.assertEqual(periods[0][1], periods[1][0], "no gap between the windows")

    def test_the_hourly_run_reconciles_binotel(self):
        self.company.mango_reconciled_until = fields.Datetime.now() - timedelta(hours=1)
        self.stopped(incoming_call("R-hour", CALLER, start=int(time.time()) - 1800))
        self.as_cron("pbx.reconciliation", "_cron_reconcile")
        self.assertEqual(self.calls("R-hour").state, "answered")
        self.assertEqual(self.company.mango_reconciliation_recovered, 1)

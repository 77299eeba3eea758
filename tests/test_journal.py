from unittest.mock import patch

from odoo import api
from odoo.tests import tagged

from ..mango.signing import dumps
from ..models.pbx_call import PbxCall
from .common import PbxHttpCase
from .emulators.mango import incoming_call


@tagged("post_install", "-at_install")
class TestNothingLost(PbxHttpCase):
    """An authenticated notification is journaled whatever becomes of it."""

    def reprocess(self, events):
        """Press Reprocess as an administrator does, in a request-like transaction."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.env.ref("base.user_admin").id, {})
            action = env["pbx.event"].browse(events.ids).action_reprocess()
        self.env.invalidate_all()
        return action

    def test_a_failure_is_an_error_in_the_journal_and_reprocess_applies_it(self):
        notifications = incoming_call("J1", "79161234567", extension="101")
        summary = notifications[-1]
        with patch.object(PbxCall, "_pbx_apply_summary", side_effect=ValueError("no luck")), \
                self.assertLogs("odoo.addons.mango_office.models.pbx_event", "WARNING"):
            self.post_all(notifications)
        event = self.journal().filtered(lambda e: e.path == "events/summary")
        self.assertRecordValues(event, [{"state": "error", "error": "ValueError: no luck"}])
        self.assertEqual(self.calls("J1").state, "ended", "the rest of the call was applied")
        self.assertEqual(self.post(*summary).status_code, 200, "a replay changes nothing")
        self.assertEqual(event.state, "error")
        action = self.reprocess(event)
        self.assertRecordValues(event, [{"state": "processed", "error": False}])
        self.assertEqual(action["params"]["type"], "success")
        self.assertRecordValues(self.calls("J1"), [{"state": "answered", "user_id": self.rep.id}])

    def test_milliseconds_are_read_as_seconds(self):
        notifications = incoming_call("J2", "79161234567", start=1767261600, talk_seconds=42)
        in_ms = []
        for path, payload in notifications:
            payload = dict(payload)
            for name in ("timestamp", "create_time", "forward_time", "talk_time", "end_time"):
                if payload.get(name):
                    payload[name] = payload[name] * 1000
            in_ms.append((path, payload))
        self.post_all(in_ms)
        call = self.calls("J2")
        self.assertEqual(call.state, "answered")
        self.assertEqual(call.start_date.year, 2026)
        self.assertAlmostEqual(call.talk_time * 3600, 42)
        self.assertEqual(set(self.journal().mapped("state")), {"processed"})

    def test_unknown_values_are_kept_and_shown(self):
        first = incoming_call("J3", "79161234567")[0][1]
        transferred = {**first, "seq": 2, "call_state": "Transferred", "location": "ivr.7"}
        self.post_all([("events/call", first), ("events/call", transferred)])
        leg = self.calls("J3").leg_ids
        self.assertRecordValues(leg, [{"state": "other", "pbx_state": "Transferred",
                                       "location": "other", "pbx_location": "ivr.7"}])
        summary = {**incoming_call("J3", "79161234567")[-1][1], "call_direction": 7}
        self.post_all([("events/summary", summary)])
        self.assertRecordValues(self.calls("J3"), [{"direction": "other", "pbx_direction": 7}])
        self.assertEqual(set(self.journal().mapped("state")), {"processed"})

    def test_values_that_cannot_be_stored_are_errors_not_losses(self):
        base = incoming_call("J4", "79161234567")[0][1]
        bodies = [
            dumps({**base, "seq": 2 ** 40}),
            dumps({**base, "timestamp": -5}),
            dumps({**base, "timestamp": 1893456000000000}),
            dumps({**base, "from": {"number": "7916\x00"}}),
            dumps({**base, "call_id": "c" * 5000}),
            dumps({**base, "from": "79161234567"}),
            '{"entry_id":"J4","call_id":"x","seq":1,"timestamp":Infinity,"call_state":"Appeared"}',
            '{"entry_id":"J4","call_id":"x\\ud800","seq":1,"timestamp":1,"call_state":"Appeared"}',
        ]
        with self.assertLogs("odoo.addons.mango_office.models.pbx_event", "WARNING"):
            for body in bodies:
                with self.subTest(body=body[:80]):
                    self.assertEqual(self.post_raw("events/call", body).status_code, 200)
        journal = self.journal()
        self.assertEqual(len(journal), len(bodies))
        self.assertEqual(set(journal.mapped("state")), {"error"})
        self.assertEqual(set(journal.mapped("entry_ref")), {"J4"})
        self.assertTrue(all(journal.mapped("error")))
        self.assertFalse(self.calls("J4"), "nothing that could not be read was applied")

    def test_the_journal_shows_the_json_indented(self):
        self.post_all(incoming_call("J5", "79161234567")[:1])
        event = self.journal()
        self.assertIn('\n  "entry_id": "J5"', event.payload_pretty)
